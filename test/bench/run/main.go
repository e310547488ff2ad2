// Command run is `make bench`: it renders generated packages of 1,000 and
// 10,000 objects with vdirender as a whole process, and measures in the
// same run two baselines on the same objects: a do-nothing KRM function on
// kyaml's fn/framework (test/bench/noop) and `helm template` of a chart holding
// the objects. It prints time (best of several runs) and peak memory, the
// ratios, and whether each target holds.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/vdirender/vdirender/internal/benchpkg"
)

type measure struct {
	best time.Duration
	rss  int64 // KiB
}

func run(runs int, stdin []byte, name string, args ...string) (measure, error) {
	var m measure
	for i := 0; i < runs; i++ {
		cmd := exec.Command(name, args...)
		cmd.Stdin = bytes.NewReader(stdin)
		var stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = nil, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return m, fmt.Errorf("%s: %v\n%s", name, err, stderr.String())
		}
		d := time.Since(start)
		if m.best == 0 || d < m.best {
			m.best = d
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > m.rss {
			m.rss = ru.Maxrss
		}
	}
	return m, nil
}

func main() {
	if err := bench(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
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

	results := map[int]map[string]measure{}
	for _, n := range []int{1000, 10000} {
		results[n] = map[string]measure{}
		input := benchpkg.ResourceList(n)
		runs := 5
		if n == 10000 {
			runs = 3
		}
		if results[n]["vdirender"], err = run(runs, input, bin); err != nil {
			return err
		}
		if results[n]["noop"], err = run(runs, input, noop); err != nil {
			return err
		}
		if helm != "" {
			chart := filepath.Join(tmp, fmt.Sprintf("chart-%d", n))
			if err := os.MkdirAll(filepath.Join(chart, "templates"), 0o755); err != nil {
				return err
			}
			os.WriteFile(filepath.Join(chart, "Chart.yaml"), []byte("apiVersion: v2\nname: bench\nversion: 0.1.0\n"), 0o644)
			os.WriteFile(filepath.Join(chart, "templates", "objects.yaml"), benchpkg.Stream(n), 0o644)
			if results[n]["helm template"], err = run(runs, nil, helm, "template", "bench", chart); err != nil {
				return err
			}
		}
	}
	example, err := run(10, nil, bin, "build", "examples/k3s-single-node")
	if err != nil {
		return err
	}

	fmt.Println("| objects | tool | time (best) | peak memory |")
	fmt.Println("|---|---|---|---|")
	for _, n := range []int{1000, 10000} {
		for _, tool := range []string{"vdirender", "noop", "helm template"} {
			m, ok := results[n][tool]
			if !ok {
				continue
			}
			fmt.Printf("| %d | %s | %s | %d MiB |\n", n, tool, m.best.Round(time.Millisecond), m.rss/1024)
		}
	}
	v10, n10, v1 := results[10000]["vdirender"], results[10000]["noop"], results[1000]["vdirender"]
	timeRatio := float64(v10.best) / float64(n10.best)
	memRatio := float64(v10.rss) / float64(n10.rss)
	scale := float64(v10.best) / float64(v1.best)
	fmt.Println()
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "NOT MET"
	}
	fmt.Printf("10k time vs do-nothing function: %.2f (target <= 1.0: %s)\n", timeRatio, check(timeRatio <= 1.0))
	fmt.Printf("10k peak memory vs do-nothing function: %.2f (target <= 1.0: %s)\n", memRatio, check(memRatio <= 1.0))
	fmt.Printf("10k time vs 1k time: %.1f (target <= 12: %s)\n", scale, check(scale <= 12))
	if h, ok := results[10000]["helm template"]; ok {
		fmt.Printf("10k time vs helm template: %.2f, peak memory %.2f\n", float64(v10.best)/float64(h.best), float64(v10.rss)/float64(h.rss))
	}
	fmt.Printf("default example, whole process: %s (target < 50ms: %s)\n", example.best.Round(time.Millisecond), check(example.best < 50*time.Millisecond))
	return nil
}
