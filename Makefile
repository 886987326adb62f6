# wsskit — `make V=1 <target>` shows the commands.
Q = $(if $(V),,@)
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS = -s -w -X main.version=$(VERSION)
GO ?= go
STATICCHECK ?= $(shell command -v staticcheck 2>/dev/null || echo $(HOME)/go/bin/staticcheck)
FUZZTIME ?= 30s
DISTDIR ?= dist
DIST_TARGETS = linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64

.PHONY: build test test-short lint vet golden testdata bench bench-quick fuzz dist docs soak testssl clean

build:
	$(Q)CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/wsskit .

test:
	$(Q)$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(Q)$(GO) test -short -count=1 ./...

vet:
	$(Q)$(GO) vet ./...

lint:
	$(Q)test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(Q)$(GO) vet ./...
	$(Q)$(STATICCHECK) ./...
	$(Q)GOOS=windows $(GO) vet ./...
	$(Q)GOOS=darwin $(GO) vet ./...

golden:
	$(Q)$(GO) test ./commands -count=1 -update

testdata:
	$(Q)cd testdata && ./gen.sh

bench:
	$(Q)$(GO) test -run '^$$' -bench . -benchmem ./...
	$(Q)./bench/compare.sh

bench-quick:
	$(Q)QUICK=1 ./bench/compare.sh

fuzz:
	$(Q)FUZZTIME=$(FUZZTIME) GO=$(GO) ./testdata/fuzz-all.sh

soak:
	$(Q)GO=$(GO) ./testdata/soak.sh

testssl:
	$(Q)GO=$(GO) ./testdata/testssl.sh

dist:
	$(Q)for t in $(DIST_TARGETS); do \
		os=$${t%/*}; arch=$${t#*/}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "$(DISTDIR)/wsskit-$$os-$$arch$$ext"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(DISTDIR)/wsskit-$$os-$$arch$$ext . || exit 1; \
	done

clean:
	$(Q)rm -rf bin dist

docs:
	$(Q)$(GO) run . gen-docs --dir docs
