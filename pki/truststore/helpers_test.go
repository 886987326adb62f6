package truststore

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// testCA makes a CA with the given common name.
func testCA(t testing.TB, cn string) (*CA, *pkitest.Cert) {
	t.Helper()
	c := pkitest.Issue(t, pkitest.Template{CN: cn, CA: true}, nil)
	ca, err := NewCA(c.Cert)
	if err != nil {
		t.Fatal(err)
	}
	return ca, c
}

// caFile writes the CA as PEM into dir and returns the path.
func caFile(t testing.TB, dir string, ca *CA) string {
	t.Helper()
	return pkitest.WriteFile(t, dir, "ca.pem", ca.PEM)
}

// recorder is a Runner that records every command and hands it to handle,
// or to the real ExecRunner when handle returns handled=false.
type recorder struct {
	mu     sync.Mutex
	calls  [][]string
	envs   [][]string
	handle func(argv []string) (out []byte, handled bool, err error)
}

func (r *recorder) Run(ctx context.Context, argv, env []string) ([]byte, []byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, append([]string(nil), argv...))
	r.envs = append(r.envs, append([]string(nil), env...))
	r.mu.Unlock()
	if r.handle != nil {
		if out, ok, err := r.handle(argv); ok {
			return out, nil, err
		}
	}
	return ExecRunner{}.Run(ctx, argv, env)
}

// commands returns the recorded command lines, one string each.
func (r *recorder) commands() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.calls {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.calls, r.envs = nil, nil
	r.mu.Unlock()
}

// one returns a function that returns the only result of a report,
// failing otherwise: one(t)(Install(...)).
func one(t testing.TB) func(*Report, error) Result {
	return func(rep *Report, err error) Result {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Results) != 1 {
			t.Fatalf("got %d results, want 1: %+v", len(rep.Results), rep.Results)
		}
		return rep.Results[0]
	}
}

// wantStatus checks a result's status and that its message mentions each
// of the given strings.
func wantStatus(t testing.TB, r Result, st Status, mentions ...string) {
	t.Helper()
	if r.Status != st {
		t.Fatalf("status %q, want %q (message %q, err %v)", r.Status, st, r.Message, r.Err)
	}
	for _, m := range mentions {
		if !strings.Contains(r.Message, m) {
			t.Errorf("message %q does not mention %q", r.Message, m)
		}
	}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func notFound(string) (string, error) { return "", errors.New("not found") }

func mkdirs(t testing.TB, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func certOf(t testing.TB, cn string, ca bool) *x509.Certificate {
	t.Helper()
	return pkitest.Issue(t, pkitest.Template{CN: cn, CA: ca}, nil).Cert
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
