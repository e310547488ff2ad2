// Command run is `make bench`: it renders generated packages of 1,000 and
// 10,000 objects of two workloads (benchpkg.Basic, and benchpkg.Realistic,
// where every rule has something to fix) with vdirender as a whole process,
// and measures in the same run, on the same input, two baselines: a
// do-nothing KRM function on kyaml's fn/framework (test/bench/noop) and
// `helm template` of a chart holding the objects. The tools take turns, run
// after run, so that a change in the machine's load falls on all of them.
// It prints for each the best wall time, the best CPU time (user+sys, which
// other work on the machine disturbs less) and the peak memory (maximum
// resident set), the ratios, and whether each target holds.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/vdirender/vdirender/internal/benchpkg"
)

type measure struct {
	wall, cpu time.Duration // best of the runs
	rss       int64         // KiB, the largest of the runs
}

type tool struct {
	name  string
	stdin []byte
	cmd   []string
}

// runOnce runs t once and folds its figures into m.
func runOnce(t tool, m *measure) error {
	cmd := exec.Command(t.cmd[0], t.cmd[1:]...)
	cmd.Stdin = bytes.NewReader(t.stdin)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = nil, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v\n%s", t.name, err, stderr.String())
	}
	wall := time.Since(start)
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if m.wall == 0 || wall < m.wall {
		m.wall = wall
	}
	if m.cpu == 0 || cpu < m.cpu {
		m.cpu = cpu
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > m.rss {
		m.rss = ru.Maxrss
	}
	return nil
}

// interleaved runs each tool runs times, taking turns.
func interleaved(runs int, tools []tool) (map[string]measure, error) {
	out := map[string]measure{}
	for i := 0; i < runs; i++ {
		for _, t := range tools {
			m := out[t.name]
			if err := runOnce(t, &m); err != nil {
				return nil, err
			}
			out[t.name] = m
		}
	}
	return out, nil
}

func main() {
	if err := bench(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func ms(d time.Duration) string {
	if d >= time.Second {
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond).Milliseconds())
}

func bench() error {
	tmp, err := os.MkdirTemp("", "vdirender-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "vdirender")
	noop := filepath.Join(tmp, "noop")
	for out, pkg := range map[string]string{bin: ".", noop: "./test/bench/noop"} {
		if b, err := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, pkg).CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", pkg, err, b)
		}
	}
	helm := os.Getenv("VDIRENDER_HELM")
	fmt.Printf("load average before: %s (%d cores)\n\n", loadavg(), numCPU())

	workloads := []benchpkg.Workload{benchpkg.Basic, benchpkg.Realistic}
	sizes := []int{1000, 10000}
	type key struct {
		workload string
		n        int
	}
	results := map[key]map[string]measure{}
	for _, w := range workloads {
		for _, n := range sizes {
			input := w.ResourceList(n)
			tools := []tool{{"vdirender", input, []string{bin}}, {"noop", input, []string{noop}}}
			if helm != "" {
				chart := filepath.Join(tmp, fmt.Sprintf("chart-%s-%d", w.Name, n))
				if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
					return err
				}
				os.WriteFile(filepath.Join(chart, "Chart.yaml"), []byte("apiVersion: v2\nname: bench\nversion: 0.1.0\n"), 0o644)
				// Helm refuses template files over 5 MiB: 1,000 objects a file.
				objs := w.Objects(n)
				for i := 0; i < len(objs); i += 1000 {
					part := objs[i:min(i+1000, len(objs))]
					os.WriteFile(filepath.Join(chart, "templates", fmt.Sprintf("objects-%02d.yaml", i/1000)), []byte(strings.Join(part, "---\n")), 0o644)
				}
				tools = append(tools, tool{"helm template", nil, []string{helm, "template", "bench", chart}})
			}
			runs := 5
			if n == 10000 {
				runs = 3
			}
			if results[key{w.Name, n}], err = interleaved(runs, tools); err != nil {
				return err
			}
		}
	}
	example, err := interleaved(10, []tool{{"example", nil, []string{bin, "build", "examples/k3s-single-node"}}})
	if err != nil {
		return err
	}

	fmt.Println("| workload | objects | tool | wall time (best) | CPU time (best) | peak memory |")
	fmt.Println("|---|---|---|---|---|---|")
	for _, w := range workloads {
		for _, n := range sizes {
			for _, t := range []string{"vdirender", "noop", "helm template"} {
				m, ok := results[key{w.Name, n}][t]
				if !ok {
					continue
				}
				fmt.Printf("| %s | %d | %s | %s | %s | %d MiB |\n", w.Name, n, t, ms(m.wall), ms(m.cpu), m.rss/1024)
			}
		}
	}
	fmt.Println()
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT MET"
	}
	for _, w := range workloads {
		r := results[key{w.Name, 10000}]
		v, n, v1 := r["vdirender"], r["noop"], results[key{w.Name, 1000}]["vdirender"]
		wall, cpu, mem := float64(v.wall)/float64(n.wall), float64(v.cpu)/float64(n.cpu), float64(v.rss)/float64(n.rss)
		fmt.Printf("%s 10k vs do-nothing function: wall time %.2f (target <= 1.0: %s), CPU time %.2f (%s), peak memory %.2f (%s)\n",
			w.Name, wall, check(wall <= 1.0), cpu, check(cpu <= 1.0), mem, check(mem <= 1.0))
		scale := float64(v.cpu) / float64(v1.cpu)
		fmt.Printf("%s 10k vs 1k CPU time: %.1f (target <= 12: %s)\n", w.Name, scale, check(scale <= 12))
		if h, ok := r["helm template"]; ok {
			fmt.Printf("%s 10k vs helm template: wall time %.2f, CPU time %.2f, peak memory %.2f\n", w.Name,
				float64(v.wall)/float64(h.wall), float64(v.cpu)/float64(h.cpu), float64(v.rss)/float64(h.rss))
		}
	}
	e := example["example"]
	fmt.Printf("default example, whole process: wall %s, CPU %s, peak memory %d MiB (target < 30 ms: %s)\n",
		ms(e.wall), ms(e.cpu), e.rss/1024, check(e.wall < 30*time.Millisecond))
	fmt.Printf("\nload average after: %s\n", loadavg())
	return nil
}

func numCPU() int { return runtime.NumCPU() }
