// Package benchpkg generates large packages for benchmarks and property
// tests: a VDIPlatform and n objects of the kinds GitOps repositories hold.
// Basic (Objects, ResourceList, Stream) holds Deployments, StatefulSets with
// claim templates, PVCs, Services, ConfigMaps, VDITemplates and VDISessions,
// some of which break a rule; Realistic is a GPU platform in which every rule
// has something to fix on most objects.
package benchpkg

import (
	"fmt"
	"strings"
)

// Platform is the functionConfig of every generated package. Its pool is
// large enough for every generated session.
const Platform = `apiVersion: config.vdirender.dev/v1alpha1
kind: VDIPlatform
metadata:
  name: bench
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  global:
    hostname: kasm.example.com
  gpu:
    nodePools:
    - {name: pool, nodes: 500, gpusPerNode: 8, replicas: 8}
  vdi:
    templates:
    - {name: desktop, image: "ghcr.io/example/desktop:1.0.0", nodePool: pool}
`

// Objects returns n objects as YAML documents, each with a comment.
func Objects(n int) []string {
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		ns := fmt.Sprintf("team-%d", i%50)
		for _, doc := range []string{
			fmt.Sprintf(`# web tier %[1]d
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%[1]d
  namespace: %[2]s
  labels: {app: web-%[1]d}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web-%[1]d}
  template:
    metadata:
      labels: {app: web-%[1]d}
    spec:
      containers:
      - name: web
        image: ghcr.io/example/web:1.%[1]d.0
        imagePullPolicy: Always
        ports:
        - containerPort: 8080
`, i, ns),
			fmt.Sprintf(`apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db-%[1]d
  namespace: %[2]s
spec:
  serviceName: db-%[1]d
  selector:
    matchLabels: {app: db-%[1]d}
  template:
    metadata:
      labels: {app: db-%[1]d}
    spec:
      containers:
      - name: db
        image: docker.io/library/postgres:16.4
        imagePullPolicy: IfNotPresent
        resources:
          requests: {cpu: 250m, memory: 256Mi}
          limits: {cpu: "1", memory: 1Gi}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: standard
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 10Gi}}
`, i, ns),
			fmt.Sprintf(`apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: cache-%[1]d
  namespace: %[2]s
spec:
  storageClassName: local-path
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`, i, ns),
			fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: web-%[1]d
  namespace: %[2]s
spec:
  selector: {app: web-%[1]d}
  ports:
  - {name: http, port: 80, targetPort: 8080}
`, i, ns),
			fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: settings-%[1]d
  namespace: %[2]s
data:
  LOG_LEVEL: info
  FEATURE_X: "true"
`, i, ns),
			fmt.Sprintf(`apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata:
  name: desktop-%[1]d
  namespace: vdi-sessions
spec:
  image: ghcr.io/example/desktop:1.0.%[1]d
  imagePullPolicy: IfNotPresent
  streaming: {protocol: websocket, port: 6901}
  resources:
    limits: {cpu: "1", memory: 4Gi, nvidia.com/gpu: 1}
    requests: {cpu: 250m, memory: 1Gi, nvidia.com/gpu: 1}
  runtimeClassName: nvidia
  tolerations:
  - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
`, i),
			fmt.Sprintf(`apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata:
  name: session-%[1]d
  namespace: vdi-sessions
spec:
  template: desktop-%[1]d
  user: user-%[1]d
`, i),
		} {
			if len(out) < n {
				out = append(out, doc)
			}
		}
	}
	return out
}

// Workload is a kind of generated package: its VDIPlatform and its objects.
type Workload struct {
	Name     string
	Platform string
	Objects  func(n int) []string
}

// Basic is the first benchmark package: Platform and Objects.
var Basic = Workload{Name: "basic", Platform: Platform, Objects: Objects}

// ResourceList returns a ResourceList of n objects plus the VDIPlatform,
// which is also its functionConfig.
func (w Workload) ResourceList(n int) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for _, doc := range w.Objects(n) {
		b.WriteString(indentItem(doc))
	}
	b.WriteString(indentItem(w.Platform))
	b.WriteString("functionConfig:\n")
	for _, line := range strings.Split(strings.TrimRight(w.Platform, "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	return []byte(b.String())
}

// Stream returns the objects as a plain multi-document YAML stream.
func (w Workload) Stream(n int) []byte {
	return []byte(strings.Join(w.Objects(n), "---\n"))
}

// ResourceList is Basic.ResourceList.
func ResourceList(n int) []byte { return Basic.ResourceList(n) }

// Stream is Basic.Stream.
func Stream(n int) []byte { return Basic.Stream(n) }

func indentItem(doc string) string {
	var b strings.Builder
	first := true
	for _, line := range strings.Split(strings.TrimRight(doc, "\n"), "\n") {
		switch {
		case first && strings.HasPrefix(line, "#"):
			b.WriteString("- " + line + "\n")
			first = false
			continue
		case first:
			b.WriteString("- " + line + "\n")
			first = false
		default:
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}
