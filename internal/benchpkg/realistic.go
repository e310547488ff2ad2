package benchpkg

import "fmt"

// RealisticPools are the node pools of RealisticPlatform; generated GPU
// objects go to them in turn.
var RealisticPools = []string{"a100", "l40s", "t4", "rtx"}

// RealisticPlatform is the functionConfig of Realistic: four GPU pools, each
// advertising 2,048 time-slices, more than the generated workloads and
// sessions ask for (7 slices for every 10 objects), and the pinning rule in
// audit mode so that unpinned images are warnings, not errors.
const RealisticPlatform = `apiVersion: config.vdirender.dev/v1alpha1
kind: VDIPlatform
metadata:
  name: realistic
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  global:
    hostname: vdi.example.com
  gpu:
    timeSlicing:
      replicas: 4
    nodePools:
    - {name: a100, nodes: 64, gpusPerNode: 8, replicas: 4}
    - {name: l40s, nodes: 128, gpusPerNode: 4, replicas: 4}
    - {name: t4, nodes: 256, gpusPerNode: 2, replicas: 4}
    - {name: rtx, nodes: 128, gpusPerNode: 2, replicas: 8}
  vdi:
    templates:
    - {name: desktop, image: "ghcr.io/example/desktop:1.0.0", nodePool: a100}
  rules:
    pinning: audit
`

// Realistic is a GPU platform as teams write it by hand: GPU Deployments,
// StatefulSets, Jobs and CronJobs across the pools, claims and claim
// templates on the wrong storage class, containers without resources, Always
// pull policies, unpinned images, GPU limits without requests, no runtime
// class or toleration, VDITemplates and VDISessions, all with comments.
// Every rule finds something to fix (or, for pinning, to warn about), and
// the render succeeds.
var Realistic = Workload{Name: "realistic", Platform: RealisticPlatform, Objects: RealisticObjects}

// RealisticObjects returns n objects of Realistic as YAML documents.
func RealisticObjects(n int) []string {
	out := make([]string, 0, n)
	for i := 0; len(out) < n; i++ {
		ns := fmt.Sprintf("team-%d", i%50)
		pool := RealisticPools[i%len(RealisticPools)]
		for _, doc := range []string{
			fmt.Sprintf(`# Inference service %[1]d: serves model m-%[1]d on the %[3]s pool.
# Owned by %[2]s; scaled by hand.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: infer-%[1]d
  namespace: %[2]s
  labels: {app: infer-%[1]d, tier: gpu}
  annotations:
    example.com/owner: %[2]s # the on-call rotation
spec:
  replicas: 2 # two pods for rolling updates
  selector:
    matchLabels: {app: infer-%[1]d}
  template:
    metadata:
      labels: {app: infer-%[1]d, tier: gpu}
    spec:
      nodeSelector:
        nvidia.com/device-plugin.config: %[3]s
      containers:
      - name: server
        image: registry.example.com/ml/infer:2.3.%[1]d
        imagePullPolicy: Always
        args: ["--model", "m-%[1]d", "--port", "8000"]
        ports:
        - containerPort: 8000
          name: http
        env:
        - {name: MODEL, value: m-%[1]d}
        - {name: BATCH, value: "8"}
        resources:
          limits:
            nvidia.com/gpu: 1 # one time-slice
      # scraped by the cluster's Prometheus
      - name: metrics
        image: registry.example.com/ml/exporter:latest
        ports:
        - containerPort: 9400
`, i, ns, pool),
			fmt.Sprintf(`# Vector store %[1]d, GPU-accelerated search.
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: vectors-%[1]d
  namespace: %[2]s
spec:
  serviceName: vectors-%[1]d
  replicas: 1
  selector:
    matchLabels: {app: vectors-%[1]d}
  template:
    metadata:
      labels: {app: vectors-%[1]d}
    spec:
      nodeSelector: {nvidia.com/device-plugin.config: %[3]s}
      tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      initContainers:
      - name: migrate
        image: registry.example.com/ml/vectors-migrate:0.9.%[1]d
        command: [/migrate, --to, latest]
      containers:
      - name: vectors
        image: registry.example.com/ml/vectors:0.9.%[1]d
        imagePullPolicy: Always
        resources:
          requests: {cpu: 500m, memory: 2Gi, nvidia.com/gpu: 1}
          limits: {memory: 4Gi, nvidia.com/gpu: 1}
        volumeMounts:
        - {name: data, mountPath: /data}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: standard # what the cloud cluster had
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 50Gi}}
`, i, ns, pool),
			fmt.Sprintf(`# Nightly fine-tuning run %[1]d.
apiVersion: batch/v1
kind: Job
metadata:
  name: finetune-%[1]d
  namespace: %[2]s
spec:
  parallelism: 2
  completions: 4
  backoffLimit: 2
  template:
    spec:
      restartPolicy: Never
      nodeSelector:
        nvidia.com/device-plugin.config: %[3]s
      containers:
      - name: train
        image: registry.example.com/ml/trainer
        args: [--epochs, "3", --shard, "%[1]d"]
        resources:
          requests:
            nvidia.com/gpu: 1
            cpu: "2"
`, i, ns, pool),
			fmt.Sprintf(`# Re-index embeddings every night at 03:00.
apiVersion: batch/v1
kind: CronJob
metadata:
  name: reindex-%[1]d
  namespace: %[2]s
spec:
  schedule: "0 3 * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          nodeSelector:
            nvidia.com/device-plugin.config: %[3]s
          initContainers:
          - name: fetch
            image: docker.io/library/busybox:1.36
            command: [sh, -c, "wget -q -O /work/list https://example.com/list"]
          containers:
          - name: reindex
            image: registry.example.com/ml/reindex:1.4.%[1]d
            imagePullPolicy: Always
            resources:
              limits: {nvidia.com/gpu: 1, memory: 8Gi}
`, i, ns, pool),
			fmt.Sprintf(`# Model cache shared by the inference pods.
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: models-%[1]d
  namespace: %[2]s
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 100Gi # the largest model and one spare
`, i, ns),
			fmt.Sprintf(`# API gateway in front of the inference service.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: gateway-%[1]d
  namespace: %[2]s
spec:
  replicas: 3
  selector:
    matchLabels: {app: gateway-%[1]d}
  template:
    metadata:
      labels: {app: gateway-%[1]d}
    spec:
      containers:
      - name: gateway
        image: docker.io/library/nginx:1.27.%[3]d
        imagePullPolicy: Always
        ports:
        - containerPort: 80
`, i, ns, i%10),
			fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: infer-%[1]d
  namespace: %[2]s
  # reached only through the gateway
spec:
  selector: {app: infer-%[1]d}
  ports:
  - {name: http, port: 80, targetPort: 8000}
  - {name: metrics, port: 9400, targetPort: 9400} # scraped
`, i, ns),
			fmt.Sprintf(`# Settings of inference service %[1]d.
apiVersion: v1
kind: ConfigMap
metadata:
  name: infer-%[1]d
  namespace: %[2]s
data:
  LOG_LEVEL: info # debug when on call
  MAX_BATCH: "8"
  config.yaml: |
    model: m-%[1]d
    warmup: true
`, i, ns),
			fmt.Sprintf(`# Desktop %[1]d for the %[2]s pool.
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDITemplate
metadata:
  name: desk-%[1]d
  namespace: vdi-sessions
spec:
  image: ghcr.io/example/desktop:1.0.%[1]d
  imagePullPolicy: Always
  streaming: {protocol: webrtc, port: 8080}
  resources:
    limits: {nvidia.com/gpu: 1}
  storage:
    size: 20Gi
    mountPath: /home/user
    storageClassName: standard
  nodeSelector:
    nvidia.com/device-plugin.config: %[2]s
`, i, pool),
			fmt.Sprintf(`# Persistent desktop of user-%[1]d.
apiVersion: vdi.vdirender.dev/v1alpha1
kind: VDISession
metadata:
  name: user-%[1]d
  namespace: vdi-sessions
spec:
  template: desk-%[1]d
  user: user-%[1]d
  persistent: true
  storage:
    size: 20Gi
`, i),
		} {
			if len(out) < n {
				out = append(out, doc)
			}
		}
	}
	return out
}
