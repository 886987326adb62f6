package commands

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wsskit/wsskit/pki"
)

// isSecretName reports whether a file (or its temporary file) holds a
// private key: keys and PFX files.
func isSecretName(name string) bool {
	return strings.Contains(name, "key") || strings.Contains(name, "pfx")
}

// isTempName reports whether name is one of writeFiles' temporary files
// (".NAME.tmp-*" or ".NAME.tmp-link-*").
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
}

// permWatch records, over many scans of a folder tree, every secret file
// (or temporary file of one) seen with group or other permission bits, and
// every temporary file seen at all.
type permWatch struct {
	mu         sync.Mutex
	violations []string
	temps      map[string]bool
}

func newPermWatch() *permWatch { return &permWatch{temps: map[string]bool{}} }

// scan looks at dir once and returns how many temporary and final files
// it holds.
func (w *permWatch) scan(dir string) (temps, finals int) {
	for _, sub := range []string{dir, filepath.Join(dir, "ca")} {
		entries, err := os.ReadDir(sub)
		if err != nil {
			continue // not made yet
		}
		for _, e := range entries {
			name := e.Name()
			if e.IsDir() {
				continue
			}
			tmp := isTempName(name)
			if tmp {
				temps++
				w.mu.Lock()
				w.temps[name] = true
				w.mu.Unlock()
			} else {
				finals++
			}
			if !isSecretName(name) {
				continue
			}
			st, err := os.Lstat(filepath.Join(sub, name))
			if err != nil || !st.Mode().IsRegular() {
				continue // gone already (renamed), or the hash link
			}
			if st.Mode().Perm()&0o077 != 0 {
				w.mu.Lock()
				w.violations = append(w.violations, fmt.Sprintf("%s mode %04o", filepath.Join(sub, name), st.Mode().Perm()))
				w.mu.Unlock()
			}
		}
	}
	return temps, finals
}

func (w *permWatch) result() (violations []string, temps int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.violations, len(w.temps)
}

// checkPKIDir checks what a (possibly killed) `pki init` left in dir: every
// file with its final name is absent or complete and valid (certificates
// and keys load, keys are 0600 and match their certificates, PFX files open
// with pass and hold the same certificate, the hash link points at a
// present ca.pem); temporary files that a kill left may remain, but never
// readable by others when they hold a secret. It returns how many final
// files were present.
func checkPKIDir(t *testing.T, dir string, pass []byte) int {
	t.Helper()
	certs := map[string]*x509.Certificate{}
	keys := map[string]*pki.Bundle{}
	present := 0
	var ca *x509.Certificate
	for _, sub := range []string{"", "ca"} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			continue
		}
		for _, e := range entries {
			name := filepath.Join(sub, e.Name())
			path := filepath.Join(dir, name)
			st, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			base := e.Name()
			switch {
			case st.IsDir():
				continue
			case isTempName(base):
				if isSecretName(base) && st.Mode().Perm()&0o077 != 0 {
					t.Errorf("%s: left-over temporary file of a secret with mode %04o", name, st.Mode().Perm())
				}
				continue
			}
			present++
			if st.Mode()&os.ModeSymlink != 0 {
				target, err := os.Readlink(path)
				if err != nil || target != "ca.pem" || sub != "ca" {
					t.Errorf("%s: unexpected link to %q (%v)", name, target, err)
				}
				if _, err := os.Stat(path); err != nil {
					t.Errorf("%s: dangling hash link: %v", name, err)
				}
				continue
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			mode := st.Mode().Perm()
			switch filepath.Ext(base) {
			case ".pem":
				b, err := pki.Load(data, nil)
				if err != nil || len(b.Certs) != 1 || len(b.Keys)+len(b.Skipped) != 0 {
					t.Errorf("%s: not one complete certificate (%d bytes): %v", name, len(data), err)
					continue
				}
				if mode != 0o644 {
					t.Errorf("%s: mode %04o, want 0644", name, mode)
				}
				certs[name] = b.Certs[0]
				if base == "ca.pem" && sub == "" {
					ca = b.Certs[0]
				}
			case ".key":
				if mode != 0o600 {
					t.Errorf("%s: mode %04o, want 0600", name, mode)
				}
				b, err := pki.Load(data, nil)
				if err != nil || len(b.Keys) != 1 || len(b.Certs) != 0 {
					t.Errorf("%s: not one complete key (%d bytes): %v", name, len(data), err)
					continue
				}
				keys[strings.TrimSuffix(name, ".key")] = b
			case ".pfx":
				if mode != 0o600 {
					t.Errorf("%s: mode %04o, want 0600", name, mode)
				}
				p, err := pki.ParsePFX(data, pass)
				if err != nil || p.Leaf == nil || p.Key == nil {
					t.Errorf("%s: does not open with the pass phrase (%d bytes): %v", name, len(data), err)
					continue
				}
				if c := certs[strings.TrimSuffix(name, ".pfx")+".pem"]; c != nil && !c.Equal(p.Leaf) {
					t.Errorf("%s: holds another certificate than its .pem", name)
				}
				if !pki.KeyMatches(p.Key, p.Leaf) {
					t.Errorf("%s: key does not match its certificate", name)
				}
			default:
				t.Errorf("%s: unexpected file", name)
			}
		}
	}
	for stem, kb := range keys {
		if c := certs[stem+".pem"]; c != nil && !pki.KeyMatches(kb.Keys[0], c) {
			t.Errorf("%s.key does not match %s.pem", stem, stem)
		}
	}
	if ca != nil {
		for name, c := range certs {
			if name != "ca.pem" && name != filepath.Join("ca", "ca.pem") {
				if err := c.CheckSignatureFrom(ca); err != nil {
					t.Errorf("%s is not signed by ca.pem: %v", name, err)
				}
			}
		}
	}
	return present
}

// TestPKIInitSIGKILL kills `wsskit pki init --clients 20` (67 files) at
// moments spread over its run, 32 times, and checks after each kill that
// every file is absent or complete and valid, that keys and PFX files are
// 0600, and — polling the folder during every run — that no key or PFX
// file, nor a temporary file of one, is ever readable by group or others.
//
// The kills use the default key type (P-256): 22 RSA-2048 key generations
// take seconds per run, which 32 runs cannot afford in `make test`; two
// more runs with --key-type rsa:2048 are killed during their writes, where
// files are larger.
func TestPKIInitSIGKILL(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL is Unix")
	}
	bin := wsskitBinary(t)
	root := t.TempDir()
	pass := []byte("kill-test-pass")
	t.Setenv("WSSKIT_ATOMIC_PASS", string(pass))
	args := func(dir string, extra ...string) []string {
		return append([]string{"-q", "pki", "init", "--dir", dir, "--clients", "20", "--pfx-pass", "env:WSSKIT_ATOMIC_PASS"}, extra...)
	}
	watch := newPermWatch()
	// One full run: the reference.
	full := filepath.Join(root, "full")
	start := time.Now()
	if out, err := exec.Command(bin, args(full)...).CombinedOutput(); err != nil {
		t.Fatalf("pki init: %v\n%s", err, out)
	}
	total := time.Since(start)
	if n := checkPKIDir(t, full, pass); n != 67 {
		t.Fatalf("a complete run wrote %d files, want 67", n)
	}

	// Each run is killed when the folder reaches a chosen state, so that the
	// kills cover the whole write, however fast the machine: writeFiles
	// first writes (and syncs) a temporary file per output, then links them
	// into place one by one. Half the runs die once k temporary files
	// exist, half once the k-th final file (in the order pki init writes
	// them) exists: linking takes microseconds per file, so that trigger
	// is one Lstat, polled in a tight loop.
	order := []string{"ca.pem", "ca.key"}
	for _, n := range []string{"server", "client"} {
		order = append(order, n+".pem", n+".key", n+".pfx")
	}
	for i := 2; i <= 20; i++ {
		n := fmt.Sprintf("client-%d", i)
		order = append(order, n+".pem", n+".key", n+".pfx")
	}
	order = append(order, filepath.Join("ca", "ca.pem"))
	type run struct {
		extra []string
		final bool // kill r.delay after linking starts, else at k temporary files
		k     int
		delay time.Duration
	}
	const kills = 36
	// linkSpread is how long after linking starts the last "final" kill
	// comes: 67 link(2) and unlink(2) calls take a few hundred
	// microseconds (a run whose kill comes after its exit counts as
	// finished, and the plan is repeated until 30 runs died).
	const linkSpread = 150 * time.Microsecond
	var runs []run
	for i := 0; i < kills; i++ {
		k := 1 + (i/2)*67/(kills/2) + rand.IntN(67/(kills/2))
		runs = append(runs, run{final: i%2 == 1, k: min(k, 67), delay: time.Duration(i/2) * linkSpread / (kills / 2)})
	}
	if !testing.Short() {
		for i := 0; i < 2; i++ {
			runs = append(runs, run{extra: []string{"--key-type", "rsa:2048"}, final: i == 1, k: 1 + rand.IntN(67),
				delay: time.Duration(rand.Int64N(int64(linkSpread)))})
		}
	}
	var killed, finished, partial int
	began := time.Now()
	// Runs whose kill came after their exit do not count: go on through
	// the plan again until 30 runs died mid-write (at most twice over).
	for i := 0; i < 2*len(runs) && (i < len(runs) || killed < 30); i++ {
		r := runs[i%len(runs)]
		dir := filepath.Join(root, fmt.Sprintf("run-%02d", i))
		cmd := exec.Command(bin, args(dir, r.extra...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		deadline := time.After(60 * time.Second)
	poll:
		for {
			select {
			case err = <-exited:
				break poll
			case <-deadline:
				_ = cmd.Process.Kill()
				<-exited
				t.Fatalf("run %d: still running after 60 s:\n%s", i, out.String())
			default:
			}
			temps, finals := watch.scan(dir)
			if r.final && (temps >= 60 || finals > 0) {
				// Linking is about to start: wait for the first final
				// file with one Lstat per turn (a scan is too slow), let
				// linking run for r.delay, spinning (a sleep would be far
				// too coarse), then kill.
				first := filepath.Join(dir, order[0])
				for {
					if _, serr := os.Lstat(first); serr == nil {
						break
					}
					select {
					case err = <-exited:
						break poll
					default:
					}
				}
				for end := time.Now().Add(r.delay); time.Now().Before(end); {
				}
				_ = cmd.Process.Signal(syscall.SIGKILL) // fails only if it exited meanwhile
				err = <-exited
				break poll
			}
			if !r.final && temps >= r.k {
				_ = cmd.Process.Signal(syscall.SIGKILL)
				err = <-exited
				break poll
			}
			time.Sleep(250 * time.Microsecond)
		}
		if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() {
			killed++
		} else if err != nil {
			t.Fatalf("run %d failed by itself: %v\n%s", i, err, out.String())
		} else {
			finished++
		}
		n := checkPKIDir(t, dir, pass)
		if n > 0 && n < 67 {
			partial++
		}
		if t.Failed() {
			t.Fatalf("run %d (killed at %d %s files): see above", i, r.k, map[bool]string{true: "final", false: "temporary"}[r.final])
		}
	}
	v, temps := watch.result()
	if len(v) > 0 {
		t.Errorf("secret files seen readable by others:\n%s", strings.Join(v, "\n"))
	}
	t.Logf("full run %v; %d runs in %v: %d killed (%d left some but not all files), %d finished; %d temporary files seen",
		total.Round(time.Millisecond), killed+finished, time.Since(began).Round(time.Millisecond), killed, partial, finished, temps)
	if killed < 30 {
		t.Errorf("only %d runs were killed before finishing, want at least 30", killed)
	}
}

// TestForceRequiredToOverwrite: key new, cert new, pfx export and pfx
// unpack refuse to replace an existing output (or a symbolic link there)
// without --force, exit 2 and leave it untouched, with no temporary file
// behind; with --force they replace it, and a replaced key is 0600 even if
// the old file was not. (pki init has its own test.)
func TestForceRequiredToOverwrite(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	mustRun(t, "-q", "cert", "new", "--subject", "/CN=127.0.0.1", "--out", p("leaf.pem"))
	mustRun(t, "-q", "pfx", "export", "--cert", p("leaf.pem"), "--key", p("leaf.key"), "--passout", "pass:x", "--out", p("in.p12"))
	tests := []struct {
		name    string
		outputs []string // existing files the command would write
		secret  []bool   // which outputs hold a private key
		args    []string
	}{
		{"key new", []string{"k.pem"}, []bool{true}, []string{"key", "new", "--out", p("k.pem")}},
		{"cert new", []string{"c.pem", "c.key"}, []bool{false, true}, []string{"cert", "new", "--subject", "/CN=127.0.0.1", "--san", "IP:127.0.0.1", "--out", p("c.pem")}},
		{"cert new --key-out", []string{"d.key"}, []bool{true}, []string{"cert", "new", "--subject", "/CN=127.0.0.1", "--san", "IP:127.0.0.1", "--out", p("d.pem"), "--key-out", p("d.key")}},
		{"pfx export", []string{"e.p12"}, []bool{true}, []string{"pfx", "export", "--cert", p("leaf.pem"), "--key", p("leaf.key"), "--passout", "pass:x", "--out", p("e.p12")}},
		{"pfx unpack cert", []string{"u1/cert.pem"}, []bool{false}, []string{"pfx", "unpack", p("in.p12"), "--passin", "pass:x", "--out-dir", p("u1")}},
		{"pfx unpack key", []string{"u2/key.pem"}, []bool{true}, []string{"pfx", "unpack", p("in.p12"), "--passin", "pass:x", "--out-dir", p("u2")}},
	}
	old := []byte("old contents\n")
	for _, tt := range tests {
		for _, link := range []bool{false, true} {
			name := tt.name
			if link {
				name += " (symlink)"
			}
			t.Run(name, func(t *testing.T) {
				for _, o := range tt.outputs {
					path := p(o)
					os.RemoveAll(path)
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if link {
						// A link elsewhere: never written through.
						target := path + ".target"
						if err := os.WriteFile(target, old, 0o644); err != nil {
							t.Fatal(err)
						}
						if err := os.Symlink(target, path); err != nil {
							t.Fatal(err)
						}
					} else if err := os.WriteFile(path, old, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				before := dirNames(t, dir)
				r := run(t, "", tt.args...)
				r.wantFail(t, ExitUsage, "already exists", "--force")
				for _, o := range tt.outputs {
					if got, _ := os.ReadFile(p(o)); !bytes.Equal(got, old) {
						t.Errorf("%s changed without --force", o)
					}
				}
				if after := dirNames(t, dir); strings.Join(after, ",") != strings.Join(before, ",") {
					t.Errorf("files changed without --force: %q, want %q", after, before)
				}
				mustRun(t, append(tt.args, "--force", "-q")...)
				for i, o := range tt.outputs {
					st, err := os.Lstat(p(o))
					if err != nil {
						t.Fatal(err)
					}
					if !st.Mode().IsRegular() {
						t.Errorf("%s: still a %v after --force, want a regular file", o, st.Mode().Type())
					}
					if got, _ := os.ReadFile(p(o)); bytes.Equal(got, old) {
						t.Errorf("%s not replaced with --force", o)
					}
					if want := os.FileMode(0o644); tt.secret[i] {
						want = 0o600
						if st.Mode().Perm() != want {
							t.Errorf("%s: mode %04o after --force, want %04o", o, st.Mode().Perm(), want)
						}
					}
					if link {
						if got, _ := os.ReadFile(p(o) + ".target"); !bytes.Equal(got, old) {
							t.Errorf("%s: --force wrote through the link", o)
						}
					}
				}
			})
		}
	}
}

// TestPassPhrasesNeverShown runs commands with a distinctive pass phrase
// from every source (pass:, env:, file:, stdin), in successful and failing
// runs (wrong pass phrase, damaged PFX, a source typed without its
// prefix), plain and with -v, --debug and --json, and checks that neither
// the pass phrase nor the wrong one ever appears on stdout or stderr.
func TestPassPhrasesNeverShown(t *testing.T) {
	const secret = "Zq9-never-PRINT-me-7Xw"
	const wrong = "Wr0ng-guess-NOT-shown-4k"
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	secretFile := p("pass.txt")
	wrongFile := p("wrong.txt")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(wrongFile, []byte(wrong+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WSSKIT_TEST_SECRET", secret)
	t.Setenv("WSSKIT_TEST_WRONG", wrong)
	type source struct{ name, spec, stdin string }
	right := []source{{"pass", "pass:" + secret, ""}, {"env", "env:WSSKIT_TEST_SECRET", ""}, {"file", "file:" + secretFile, ""}, {"stdin", "stdin", secret + "\n"}}
	wrongs := []source{{"pass", "pass:" + wrong, ""}, {"env", "env:WSSKIT_TEST_WRONG", ""}, {"file", "file:" + wrongFile, ""}, {"stdin", "stdin", wrong + "\n"},
		{"no-prefix", secret, ""}, {"wrong-prefix", "Pass:" + secret, ""}, {"typo", "pas:" + secret, ""}}

	// Material protected with the secret.
	mustRun(t, "-q", "cert", "new", "--subject", "/CN=127.0.0.1", "--out", p("leaf.pem"), "--passout", "pass:"+secret)
	mustRun(t, "-q", "pfx", "export", "--cert", p("leaf.pem"), "--key", p("leaf.key"), "--passin", "pass:"+secret, "--passout", "pass:"+secret, "--out", p("leaf.p12"))

	check := func(t *testing.T, what string, r result) {
		t.Helper()
		for _, s := range []string{secret, wrong} {
			if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
				t.Errorf("%s printed a pass phrase (exit %d):\nstdout:\n%s\nstderr:\n%s", what, r.code, r.stdout, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "panic") {
			t.Errorf("%s: panic:\n%s", what, r.stderr)
		}
	}
	n := 0
	runAll := func(t *testing.T, src source, wantOK bool, cmds [][]string) {
		for _, flags := range [][]string{nil, {"-v"}, {"--debug"}} {
			for _, c := range cmds {
				n++
				args := append(append([]string(nil), flags...), c...)
				for i, a := range args {
					args[i] = strings.ReplaceAll(strings.ReplaceAll(a, "SRC", src.spec), "OUT", p(fmt.Sprintf("out-%d", n)))
				}
				r := run(t, src.stdin, args...)
				what := "wsskit " + strings.Join(args, " ")
				check(t, what, r)
				if ok := r.code == 0; ok != wantOK && !(c[0] == "client" && r.code == ExitNetwork) {
					t.Errorf("%s: exit %d, want success %v\n%s", what, r.code, wantOK, r.stderr)
				}
			}
		}
	}
	for _, src := range right {
		t.Run("right/"+src.name, func(t *testing.T) {
			runAll(t, src, true, [][]string{
				{"key", "new", "--passout", "SRC", "--out", "OUT"},
				{"key", "new", "--passout", "SRC", "--json"},
				{"show", "--passin", "SRC", p("leaf.key")},
				{"show", "--json", "--passin", "SRC", p("leaf.p12")},
				{"pfx", "export", "--cert", p("leaf.pem"), "--key", p("leaf.key"), "--passin", "SRC", "--passout", "pass:other", "--out", "OUT"},
				{"pfx", "export", "--cert", p("leaf.pem"), "--key", p("leaf.key"), "--passin", "pass:" + secret, "--passout", "SRC", "--out", "OUT", "--json"},
				{"pfx", "unpack", p("leaf.p12"), "--passin", "SRC", "--out-dir", "OUT", "--json"},
				{"pki", "init", "--dir", "OUT", "--pfx-pass", "SRC"},
				{"pki", "init", "--dir", "OUT", "--pfx-pass", "SRC", "--json"},
				{"cert", "new", "--subject", "/CN=x", "--passout", "SRC", "--out", "OUT"},
				{"csr", "new", "--key", p("leaf.key"), "--passin", "SRC", "--subject", "/CN=x"},
				{"verify", "--cafile", p("leaf.p12"), "--passin", "SRC", p("leaf.pem")},
				{"client", "wss://127.0.0.1:1/", "--timeout", "1s", "--pfx", p("leaf.p12"), "--passin", "SRC", "--json"},
				{"server", "--listen", "127.0.0.1:0", "--duration", "100ms", "--pfx", p("leaf.p12"), "--passin", "SRC", "--json"},
				{"echo", "--listen", "127.0.0.1:0", "--duration", "100ms", "--no-stdin", "--pfx", p("leaf.p12"), "--passin", "SRC", "--json"},
				{"bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/", "--duration", "100ms", "--pfx", p("leaf.p12"), "--passin", "SRC"},
			})
		})
	}
	for _, src := range wrongs {
		t.Run("wrong/"+src.name, func(t *testing.T) {
			runAll(t, src, false, [][]string{
				{"show", "--passin", "SRC", p("leaf.key")},
				{"show", "--json", "--passin", "SRC", p("leaf.p12")},
				{"pfx", "unpack", p("leaf.p12"), "--passin", "SRC", "--out-dir", "OUT"},
				{"pfx", "unpack", bad("broken-mac.p12"), "--passin", "SRC", "--out-dir", "OUT", "--json"},
				{"csr", "new", "--key", p("leaf.key"), "--passin", "SRC", "--subject", "/CN=x"},
				{"verify", "--json", "--cafile", p("leaf.p12"), "--passin", "SRC", p("leaf.pem")},
				{"client", "wss://127.0.0.1:1/", "--timeout", "1s", "--pfx", p("leaf.p12"), "--passin", "SRC"},
				{"server", "--listen", "127.0.0.1:0", "--duration", "100ms", "--pfx", p("leaf.p12"), "--passin", "SRC"},
				{"echo", "--listen", "127.0.0.1:0", "--duration", "100ms", "--no-stdin", "--pfx", p("leaf.p12"), "--passin", "SRC", "--json"},
				{"bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/", "--duration", "100ms", "--pfx", p("leaf.p12"), "--passin", "SRC"},
			})
		})
	}
	t.Logf("%d runs", n)
}

// TestForceOverFolderWritesNothing: with --force, an output path that is a
// folder used to fail only when its turn came to be renamed, after the
// files before it had been replaced, leaving a new CA with old client
// certificates. Now the command refuses before writing anything.
func TestForceOverFolderWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	mustRun(t, "-q", "pki", "init", "--dir", dir)
	before := map[string][]byte{}
	for _, name := range []string{"ca.pem", "ca.key", "server.pem", "client.pem"} {
		before[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	pfx := filepath.Join(dir, "server.pfx")
	if err := os.Remove(pfx); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(pfx, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, "", "-q", "pki", "init", "--dir", dir, "--force").wantFail(t, ExitInput, pfx, "folder")
	for name, data := range before {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); !bytes.Equal(got, data) {
			t.Errorf("%s was replaced although the command failed", name)
		}
	}
	for _, n := range dirNames(t, dir) {
		if isTempName(filepath.Base(n)) {
			t.Errorf("temporary file %s left behind", n)
		}
	}
}
