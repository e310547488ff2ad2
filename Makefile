# vdirender: build, render the default example, test, refresh golden files.
GO      ?= go
BIN     := bin/vdirender
# The release is values.Release (the operator image tag); the commit is
# what version adds to it.
VERSION := $(shell sed -n 's/^const Release = "\(.*\)"/\1/p' internal/values/defaults.go)
COMMIT  ?= $(shell git describe --always --dirty 2>/dev/null)
LDFLAGS := -s -w -X github.com/vdirender/vdirender/internal/cli.Commit=$(COMMIT)

.PHONY: build render generate test kube-bins twin-bins bench fuzz golden fmt image clean

build:
	@CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) .
	@echo "built $(BIN)" >&2

# The main job on the bundled default example.
render: build
	@./$(BIN) build examples/k3s-single-node

# Regenerate from the markers on the types in api/v1alpha1, with the
# controller-gen pinned in tools/controller-gen (built once, cached outside
# git): the deepcopy functions and the CRDs in schemas/crds/, which the
# binary embeds. A test (api/v1alpha1) fails when they are stale.
generate:
	"$$(hack/controller-gen.sh)/controller-gen" object paths=./api/... crd paths=./api/... output:crd:artifacts:config=schemas/crds

# The whole test suite, end-to-end tests on a real kube-apiserver and
# kube-scheduler included: etcd is installed and the control-plane binaries
# are built (once, cached outside git) before the tests run, as are kustomize,
# helm and controller-gen (which checks that `make generate` left nothing
# stale), the K3s twin's kwok, local-path-provisioner and traefik, and
# oauth2-proxy.
test:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	@hack/etcd.sh >/dev/null
	VDIRENDER_KUBE_BIN="$$(hack/kube-bins.sh)" VDIRENDER_KUSTOMIZE="$$(hack/kustomize.sh)/kustomize" VDIRENDER_HELM="$$(hack/helm.sh)/helm" VDIRENDER_CONTROLLER_GEN="$$(hack/controller-gen.sh)" VDIRENDER_KWOK="$$(hack/kwok.sh)" VDIRENDER_LOCAL_PATH="$$(hack/local-path.sh)" VDIRENDER_TRAEFIK="$$(hack/traefik.sh)" VDIRENDER_OAUTH2_PROXY="$$(hack/oauth2-proxy.sh)" $(GO) test ./...

# Build (or find) the control-plane binaries; prints their directory.
kube-bins:
	@hack/kube-bins.sh

# Build (or find) the K3s twin's binaries; prints their directories.
twin-bins:
	@hack/kube-bins.sh
	@hack/kwok.sh
	@hack/local-path.sh
	@hack/traefik.sh
	@hack/oauth2-proxy.sh

# Benchmarks: whole-process runs on 1,000 and 10,000 objects of two workloads
# (basic, and realistic: every rule at work) against a
# do-nothing kyaml function and helm template, then the Go benchmarks.
bench:
	VDIRENDER_HELM="$$(hack/helm.sh)/helm" $(GO) run ./test/bench/run
	$(GO) test ./fn -run '^$$' -bench . -benchtime 3x
	@hack/etcd.sh >/dev/null
	VDIRENDER_KUBE_BIN="$$(hack/kube-bins.sh)" VDIRENDER_KWOK="$$(hack/kwok.sh)" VDIRENDER_LOCAL_PATH="$$(hack/local-path.sh)" VDIRENDER_TRAEFIK="$$(hack/traefik.sh)" VDIRENDER_OAUTH2_PROXY="$$(hack/oauth2-proxy.sh)" $(GO) test ./test/e2e -run '^$$' -bench 'OperatorStartup|TwinSessionStartup|TwinWarmPool' -benchtime 1x

# Fuzz each target for FUZZTIME (CI runs them briefly).
FUZZTIME ?= 30s
fuzz:
	$(GO) test ./internal/values -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./fn -run '^$$' -fuzz FuzzExecute -fuzztime $(FUZZTIME)
	$(GO) test ./fn -run '^$$' -fuzz FuzzReadResourceList -fuzztime $(FUZZTIME)
	$(GO) test ./transformers -run '^$$' -fuzz FuzzRules -fuzztime $(FUZZTIME)
	$(GO) test ./internal/input -run '^$$' -fuzz FuzzReadPackage -fuzztime $(FUZZTIME)
	$(GO) test ./internal/manifest -run '^$$' -fuzz FuzzFileName -fuzztime $(FUZZTIME)
	$(GO) test ./internal/diff -run '^$$' -fuzz FuzzCompare -fuzztime $(FUZZTIME)

# Rewrite every golden file from the current output; review with git diff.
golden:
	UPDATE_GOLDEN=1 $(GO) test ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

image:
	docker build --build-arg COMMIT=$(COMMIT) -t ghcr.io/vdirender/vdirender:$(VERSION) .

clean:
	rm -rf bin
