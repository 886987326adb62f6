package commands

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// badDir is the committed bad-input corpus (testdata/bad/README.md).
var badDir = filepath.Join("..", "testdata", "bad")

func bad(name string) string { return filepath.Join(badDir, name) }

// TestNonCAIssuerIsBadInput: a leaf given as --ca is a fault of that input
// (exit 3, naming the file), not a failed check (exit 1 without a file).
func TestNonCAIssuerIsBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.pem")
	for _, args := range [][]string{
		{"cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", out},
		{"-q", "cert", "new", "--subject", "/CN=x", "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", out},
	} {
		run(t, "", args...).wantFail(t, ExitInput, bad("cert.pem"), "not a CA")
	}
}

// badInputs are the inputs made at test time (testdata/bad/README.md):
// too big to commit, or not files git can hold.
type badInputs struct {
	dir, dangling, big, unreadable string
	fifo                           bool // unreadable is a FIFO (we run as root)
}

func makeBadInputs(t *testing.T) badInputs {
	t.Helper()
	d := t.TempDir()
	in := badInputs{
		dir:        filepath.Join(d, "folder.pem"),
		dangling:   filepath.Join(d, "dangling.pem"),
		big:        filepath.Join(d, "big.pem"),
		unreadable: filepath.Join(d, "unreadable.pem"),
	}
	if err := os.Mkdir(in.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(d, "nowhere.pem"), in.dangling); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	// Sparse: 11 MiB of zeros cost no disk.
	f, err := os.Create(in.big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(11 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if os.Geteuid() == 0 {
		// Permissions do not stop root: a FIFO fed with noise is the
		// input that is not a regular file.
		if err := mkfifo(in.unreadable); err != nil {
			t.Fatal(err)
		}
		in.fifo = true
	} else {
		if err := os.WriteFile(in.unreadable, []byte("secret"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(in.unreadable, 0); err != nil {
			t.Fatal(err)
		}
	}
	return in
}

// feedFIFO writes noise into the FIFO for one reader, until stop is closed.
func feedFIFO(path string, stop <-chan struct{}) {
	noise, _ := os.ReadFile(bad("noise.bin"))
	for {
		// Non-blocking: fails (ENXIO) until a reader has it open.
		f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err == nil {
			f.Write(noise) // the reader may stop early: a short write is fine
			f.Close()
			return
		}
		select {
		case <-stop:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// presentCommands lists the top-level commands `wsskit --help` shows.
func presentCommands(t *testing.T) map[string]bool {
	t.Helper()
	r := run(t, "", "--help")
	cmds := map[string]bool{}
	in := false
	for _, line := range strings.Split(r.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "COMMANDS:"):
			in = true
			continue
		case in && line != "" && !strings.HasPrefix(line, " "):
			in = false
		}
		if !in {
			continue
		}
		// "     client, s_client  connect to ..."
		if m := regexp.MustCompile(`^ {4,}([a-z][a-z0-9-]*)(, [a-z_]+)*  `).FindStringSubmatch(line); m != nil {
			cmds[m[1]] = true
		}
	}
	if !cmds["show"] || !cmds["pfx"] {
		t.Fatalf("could not read the command list from --help:\n%s", r.stdout)
	}
	return cmds
}

// dirNames lists a folder's entries (recursively, relative), for checking
// that nothing appeared.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	return names
}

// TestBadInput walks the bad-input corpus through every command that reads
// files. Each must fail with the DESIGN.md exit code (3 for bad input, 2
// for usage), print exactly one "error: " line naming the file (plus
// optional hint/note/warning lines), show no panic or goroutine trace, and
// leave no output file behind: outputs go to a fresh folder per case that
// must stay empty, and the corpus folder and the working folder must not
// change.
func TestBadInput(t *testing.T) {
	in := makeBadInputs(t)
	present := presentCommands(t)
	const W = "{W}" // replaced by the case's own output folder

	type tc struct {
		name string
		args []string
		code int
		file string // the file the error line must name
	}
	var cases []tc
	add := func(name string, code int, file string, args ...string) {
		cases = append(cases, tc{name, args, code, file})
	}
	// Files no command can read, by kind of badness.
	unreadable := []struct{ name, path, pass string }{
		{"empty", bad("empty.pem"), ""},
		{"noise", bad("noise.bin"), ""},
		{"truncated-pem", bad("truncated-cert.pem"), ""},
		{"truncated-der", bad("truncated-cert.der"), ""},
		{"truncated-key", bad("truncated-key.pem"), ""},
		{"garbage-in-armour", bad("garbage-in-armour.pem"), ""},
		{"bad-base64", bad("bad-base64.pem"), ""},
		{"wrong-pass-key", bad("key-encrypted.pem"), "pass:wrong"},
		{"wrong-pass-pfx", bad("right-pass.p12"), "pass:wrong"},
		{"broken-mac-pfx", bad("broken-mac.p12"), "pass:right-pass"},
		{"truncated-pfx", bad("truncated.p12"), "pass:right-pass"},
		{"oversized", in.big, ""},
		{"dangling-link", in.dangling, ""},
		{"unreadable", in.unreadable, ""},
	}
	passin := func(p string) []string {
		if p == "" {
			return nil
		}
		return []string{"--passin", p}
	}
	for _, u := range unreadable {
		p := passin(u.pass)
		add("show/"+u.name, ExitInput, u.path, append(append([]string{"show"}, p...), u.path)...)
		add("hash/"+u.name, ExitInput, u.path, "hash", u.path)
		add("verify/"+u.name, ExitInput, u.path, append(append([]string{"verify"}, p...), u.path)...)
		add("verify-cafile/"+u.name, ExitInput, u.path, append(append([]string{"verify", "--cafile", u.path}, p...), bad("cert.pem"))...)
		add("pfx-unpack/"+u.name, ExitInput, u.path, append([]string{"pfx", "unpack", u.path, "--out-dir", W + "/out"}, p...)...)
		add("pfx-export-cert/"+u.name, ExitInput, u.path, append([]string{"pfx", "export", "--cert", u.path, "--key", bad("key.pem"), "--passout", "pass:x", "--out", W + "/o.p12"}, p...)...)
		add("pfx-export-chain/"+u.name, ExitInput, u.path, append([]string{"pfx", "export", "--cert", bad("cert.pem"), "--key", bad("key.pem"), "--chain", u.path, "--passout", "pass:x", "--out", W + "/o.p12"}, p...)...)
		add("cert-sign-csr/"+u.name, ExitInput, u.path, append([]string{"cert", "sign", "--csr", u.path, "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W + "/o.pem"}, p...)...)
		add("cert-sign-ca/"+u.name, ExitInput, u.path, append([]string{"cert", "sign", "--csr", bad("csr.pem"), "--ca", u.path, "--ca-key", bad("ca.key"), "--out", W + "/o.pem"}, p...)...)
		add("cert-new-key/"+u.name, ExitInput, u.path, append([]string{"-q", "cert", "new", "--subject", "/CN=127.0.0.1", "--key", u.path, "--out", W + "/o.pem"}, p...)...)
		add("csr-new/"+u.name, ExitInput, u.path, append([]string{"csr", "new", "--key", u.path, "--subject", "/CN=x", "--out", W + "/o.csr"}, p...)...)
		add("client-cert/"+u.name, ExitInput, u.path, append([]string{"client", "wss://127.0.0.1:1/", "--timeout", "2s", "--cert", u.path, "--key", bad("key.pem")}, p...)...)
		add("client-pfx/"+u.name, ExitInput, u.path, append([]string{"client", "wss://127.0.0.1:1/", "--timeout", "2s", "--pfx", u.path}, p...)...)
		add("server-key/"+u.name, ExitInput, u.path, append([]string{"server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("cert.pem"), "--key", u.path}, p...)...)
		add("server-cafile/"+u.name, ExitInput, u.path, append([]string{"server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("cert.pem"),
			"--key", bad("key.pem"), "--client-auth", "require", "--cafile", u.path}, p...)...)
		add("capath-add/"+u.name, ExitInput, u.path, "capath", "add", W+"/ca", u.path)
		add("lint/"+u.name, ExitInput, u.path, append(append([]string{"lint"}, p...), u.path)...)
		add("lint-chain/"+u.name, ExitInput, u.path, append([]string{"lint", "--chain", u.path, bad("cert.pem")}, p...)...)
		add("dhparam-check/"+u.name, ExitInput, u.path, "dhparam", "--check", u.path)
		add("crl-new-ca/"+u.name, ExitInput, u.path, append([]string{"crl", "new", "--ca", u.path, "--ca-key", bad("ca.key"), "--out", W + "/o.crl"}, p...)...)
		add("crl-revoke-crl/"+u.name, ExitInput, u.path, "crl", "revoke", "--crl", u.path, "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.crl", bad("cert.pem"))
		add("crl-revoke-cert/"+u.name, ExitInput, u.path, "crl", "revoke", "--crl", bad("ca.crl"), "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.crl", u.path)
		add("trust-install/"+u.name, ExitInput, u.path, append([]string{"trust", "install", "--ca", u.path, "--dry-run", "--root", W + "/root", "--store", "system"}, p...)...)
		add("echo-pfx/"+u.name, ExitInput, u.path, append([]string{"echo", "--listen", "127.0.0.1:0", "--duration", "1s", "--no-stdin", "--pfx", u.path}, p...)...)
		add("echo-crl/"+u.name, ExitInput, u.path, append([]string{"echo", "--listen", "127.0.0.1:0", "--duration", "1s", "--no-stdin", "--cert", bad("cert.pem"),
			"--key", bad("key.pem"), "--cafile", bad("ca.pem"), "--crl", u.path}, p...)...)
		add("bridge-cert/"+u.name, ExitInput, u.path, append([]string{"bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/", "--duration", "1s",
			"--cert", u.path, "--key", bad("key.pem")}, p...)...)
		add("bridge-cafile/"+u.name, ExitInput, u.path, append([]string{"-q", "bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/", "--duration", "1s",
			"--cafile", u.path}, p...)...)
		for _, cmd := range []string{"client", "server", "echo", "bridge", "load"} {
			add(cmd+"-config/"+u.name, ExitInput, u.path, cmd, "--config", u.path)
		}
	}
	// A directory where a file is expected (show takes folders: CA folders).
	for _, args := range [][]string{
		{"hash", in.dir},
		{"verify", in.dir},
		{"pfx", "unpack", in.dir, "--out-dir", W + "/out"},
		{"pfx", "export", "--cert", in.dir, "--key", bad("key.pem"), "--out", W + "/o.p12"},
		{"cert", "sign", "--csr", in.dir, "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W + "/o.pem"},
		{"csr", "new", "--key", in.dir, "--subject", "/CN=x", "--out", W + "/o.csr"},
		{"client", "wss://127.0.0.1:1/", "--timeout", "2s", "--pfx", in.dir},
		{"server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", in.dir, "--key", bad("key.pem")},
		{"lint", in.dir},
		{"dhparam", "--check", in.dir},
		{"crl", "revoke", "--crl", in.dir, "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W + "/o.crl", bad("cert.pem")},
		{"capath", "add", W + "/ca", in.dir},
		{"trust", "install", "--ca", in.dir, "--dry-run", "--root", W + "/root", "--store", "system"},
	} {
		add(strings.Join(args[:2], "-")+"/folder", ExitInput, in.dir, args...)
	}
	// Wrong types, mismatched pairs, broken signatures, non-CA issuers.
	add("verify/key-as-cert", ExitInput, bad("key.pem"), "verify", bad("key.pem"))
	add("verify/csr-as-cert", ExitInput, bad("csr.pem"), "verify", bad("csr.pem"))
	add("verify/crl-as-cert", ExitInput, bad("ca.crl"), "verify", bad("ca.crl"))
	add("verify/key-as-cafile", ExitInput, bad("key.pem"), "verify", "--cafile", bad("key.pem"), bad("cert.pem"))
	add("verify/cert-as-crl", ExitInput, bad("cert.pem"), "verify", "--cafile", bad("ca.pem"), "--crl", bad("cert.pem"), bad("cert.pem"))
	add("verify/noise-as-untrusted", ExitInput, bad("noise.bin"), "verify", "--cafile", bad("ca.pem"), "--untrusted", bad("noise.bin"), bad("cert.pem"))
	add("verify/file-as-capath", ExitUsage, bad("noise.bin"), "verify", "--capath", bad("noise.bin"), bad("cert.pem"))
	add("pfx-unpack/cert-as-pfx", ExitInput, bad("cert.pem"), "pfx", "unpack", bad("cert.pem"), "--out-dir", W+"/out")
	add("pfx-unpack/key-as-pfx", ExitInput, bad("key-encrypted.pem"), "pfx", "unpack", bad("key-encrypted.pem"), "--passin", "pass:right-pass", "--out-dir", W+"/out")
	add("pfx-export/key-as-cert", ExitInput, bad("key.pem"), "pfx", "export", "--cert", bad("key.pem"), "--passout", "pass:x", "--out", W+"/o.p12")
	add("pfx-export/csr-as-cert", ExitInput, bad("csr.pem"), "pfx", "export", "--cert", bad("csr.pem"), "--key", bad("key.pem"), "--passout", "pass:x", "--out", W+"/o.p12")
	add("pfx-export/csr-as-key", ExitInput, bad("csr.pem"), "pfx", "export", "--cert", bad("cert.pem"), "--key", bad("csr.pem"), "--passout", "pass:x", "--out", W+"/o.p12")
	add("pfx-export/mismatched", ExitInput, bad("other-key.pem"), "pfx", "export", "--cert", bad("cert.pem"), "--key", bad("other-key.pem"), "--passout", "pass:x", "--out", W+"/o.p12")
	add("cert-sign/bad-signature", ExitInput, bad("csr-bad-signature.pem"), "cert", "sign", "--csr", bad("csr-bad-signature.pem"), "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.pem")
	add("cert-sign/cert-as-csr", ExitInput, bad("cert.pem"), "cert", "sign", "--csr", bad("cert.pem"), "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.pem")
	add("cert-sign/key-as-ca", ExitInput, bad("key.pem"), "cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("key.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.pem")
	add("cert-sign/csr-as-ca-key", ExitInput, bad("csr.pem"), "cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("ca.pem"), "--ca-key", bad("csr.pem"), "--out", W+"/o.pem")
	add("cert-sign/mismatched-ca-key", ExitInput, bad("other-key.pem"), "cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("ca.pem"), "--ca-key", bad("other-key.pem"), "--out", W+"/o.pem")
	add("cert-sign/leaf-as-ca", ExitInput, bad("cert.pem"), "cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", W+"/o.pem")
	add("cert-sign/wrong-pass-ca", ExitInput, bad("right-pass.p12"), "cert", "sign", "--csr", bad("csr.pem"), "--ca", bad("right-pass.p12"), "--passin", "pass:wrong", "--out", W+"/o.pem")
	add("cert-new/csr-as-key", ExitInput, bad("csr.pem"), "-q", "cert", "new", "--subject", "/CN=x", "--key", bad("csr.pem"), "--out", W+"/o.pem")
	add("cert-new/leaf-as-ca", ExitInput, bad("cert.pem"), "-q", "cert", "new", "--subject", "/CN=x", "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", W+"/o.pem")
	add("csr-new/csr-as-key", ExitInput, bad("csr.pem"), "csr", "new", "--key", bad("csr.pem"), "--subject", "/CN=x", "--out", W+"/o.csr")
	add("csr-new/cert-as-key", ExitInput, bad("cert.pem"), "csr", "new", "--key", bad("cert.pem"), "--subject", "/CN=x", "--out", W+"/o.csr")
	add("client/key-as-cert", ExitInput, bad("key.pem"), "client", "wss://127.0.0.1:1/", "--timeout", "2s", "--cert", bad("key.pem"), "--key", bad("key.pem"))
	add("client/mismatched", ExitInput, bad("other-key.pem"), "client", "wss://127.0.0.1:1/", "--timeout", "2s", "--cert", bad("cert.pem"), "--key", bad("other-key.pem"))
	add("client/csr-as-key", ExitInput, bad("csr.pem"), "client", "wss://127.0.0.1:1/", "--timeout", "2s", "--cert", bad("cert.pem"), "--key", bad("csr.pem"))
	add("client/key-as-cafile", ExitInput, bad("key.pem"), "client", "wss://127.0.0.1:1/", "--timeout", "2s", "--cafile", bad("key.pem"))
	add("client/file-as-capath", ExitUsage, bad("noise.bin"), "client", "wss://127.0.0.1:1/", "--timeout", "2s", "--capath", bad("noise.bin"))
	add("server/mismatched", ExitInput, bad("other-key.pem"), "server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("cert.pem"), "--key", bad("other-key.pem"))
	add("server/key-as-cert", ExitInput, bad("key.pem"), "server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("key.pem"), "--key", bad("key.pem"))
	add("server/key-as-cafile", ExitInput, bad("key.pem"), "server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("cert.pem"), "--key", bad("key.pem"),
		"--client-auth", "require", "--cafile", bad("key.pem"))
	add("server/cert-as-crl", ExitInput, bad("cert.pem"), "server", "--listen", "127.0.0.1:0", "--duration", "1s", "--cert", bad("cert.pem"), "--key", bad("key.pem"),
		"--client-auth", "require", "--cafile", bad("ca.pem"), "--crl", bad("cert.pem"))
	add("crl-new/leaf-as-ca", ExitInput, bad("cert.pem"), "crl", "new", "--ca", bad("cert.pem"), "--ca-key", bad("key.pem"), "--out", W+"/o.crl")
	add("crl-new/mismatched-ca-key", ExitInput, bad("other-key.pem"), "crl", "new", "--ca", bad("ca.pem"), "--ca-key", bad("other-key.pem"), "--out", W+"/o.crl")
	add("crl-revoke/cert-as-crl", ExitInput, bad("cert.pem"), "crl", "revoke", "--crl", bad("cert.pem"), "--ca", bad("ca.pem"), "--ca-key", bad("ca.key"), "--out", W+"/o.crl", bad("cert.pem"))
	add("lint/key-as-cert", ExitInput, bad("key.pem"), "lint", bad("key.pem"))
	add("dhparam-check/cert", ExitInput, bad("cert.pem"), "dhparam", "--check", bad("cert.pem"))
	add("trust-install/key-as-ca", ExitInput, bad("key.pem"), "trust", "install", "--ca", bad("key.pem"), "--dry-run", "--root", W+"/root", "--store", "system")
	add("trust-install/leaf-as-ca", ExitInput, bad("cert.pem"), "trust", "install", "--ca", bad("cert.pem"), "--dry-run", "--root", W+"/root", "--store", "system")
	add("capath-list/file-as-folder", ExitUsage, bad("noise.bin"), "capath", "list", bad("noise.bin"))
	add("capath-rehash/file-as-folder", ExitUsage, bad("noise.bin"), "capath", "rehash", bad("noise.bin"))
	add("echo/mismatched", ExitInput, bad("other-key.pem"), "echo", "--listen", "127.0.0.1:0", "--duration", "1s", "--no-stdin", "--cert", bad("cert.pem"), "--key", bad("other-key.pem"))
	add("echo/key-as-cafile", ExitInput, bad("key.pem"), "echo", "--listen", "127.0.0.1:0", "--duration", "1s", "--no-stdin", "--cert", bad("cert.pem"), "--key", bad("key.pem"), "--cafile", bad("key.pem"))
	add("bridge/mismatched", ExitInput, bad("other-key.pem"), "bridge", "--listen", "127.0.0.1:0", "--to", "wss://127.0.0.1:1/", "--duration", "1s", "--cert", bad("cert.pem"), "--key", bad("other-key.pem"))
	for _, cmd := range []string{"client", "echo", "bridge"} {
		add(cmd+"-config/key-as-config", ExitInput, bad("key.pem"), cmd, "--config", bad("key.pem"))
		add(cmd+"-config/folder", ExitInput, in.dir, cmd, "--config", in.dir)
	}
	add("capath-add/key", ExitInput, bad("key.pem"), "capath", "add", W+"/ca", bad("key.pem"))
	add("capath-add/csr", ExitInput, bad("csr.pem"), "capath", "add", W+"/ca", bad("csr.pem"))

	corpusBefore := dirNames(t, badDir)
	cwdBefore := dirNames(t, ".")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := c.args[0]
			if cmd == "-q" {
				cmd = c.args[1]
			}
			if !present[cmd] {
				// Tracks the command's branch: once `wsskit --help` lists
				// it, these cases run (and must pass, in CI too).
				t.Skipf("wsskit %s is not in this build yet (wsskit --help does not list it)", cmd)
			}
			w := t.TempDir()
			// capath add writes into an existing CA folder, trust into a
			// system root: made empty, they must stay empty.
			made := map[string][]string{"capath": {"ca"}, "trust": {"root"}}[cmd]
			for _, d := range made {
				if err := os.Mkdir(filepath.Join(w, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.ReplaceAll(a, W, w)
			}
			stop := make(chan struct{})
			if in.fifo && c.file == in.unreadable {
				go feedFIFO(in.unreadable, stop)
			}
			r := runBounded(t, 20*time.Second, args...)
			close(stop)
			checkBadResult(t, r, c.code, c.file, args)
			if left := dirNames(t, w); strings.Join(left, ",") != strings.Join(made, ",") {
				t.Errorf("wsskit %s left %q behind", strings.Join(args, " "), left)
			}
		})
	}
	if after := dirNames(t, badDir); strings.Join(after, ",") != strings.Join(corpusBefore, ",") {
		t.Errorf("the corpus folder changed: %q, want %q", after, corpusBefore)
	}
	if after := dirNames(t, "."); strings.Join(after, ",") != strings.Join(cwdBefore, ",") {
		t.Errorf("the working folder changed: %q, want %q", after, cwdBefore)
	}
}

// TestConfigNeverEchoesSecrets: --config pointed at a key or a pass phrase
// file, or a pass phrase written as a number, must not print the key
// material or the pass phrase in the error (the loader used to quote a
// non-mapping document, a whole PEM key included).
func TestConfigNeverEchoesSecrets(t *testing.T) {
	dir := t.TempDir()
	passFile := filepath.Join(dir, "pass.txt")
	if err := os.WriteFile(passFile, []byte("hunter2-pass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	numPass := filepath.Join(dir, "num.yaml")
	if err := os.WriteFile(numPass, []byte("url: wss://127.0.0.1:1/\ntls:\n  pfx: x.p12\n  pfx_pass: 98765432\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(bad("key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, l := range strings.Split(string(keyPEM), "\n") {
		if len(l) > 16 && !strings.HasPrefix(l, "-----") {
			secrets = append(secrets, l[:16])
		}
	}
	secrets = append(secrets, "hunter2", "98765432")
	for _, f := range []string{bad("key.pem"), bad("key-encrypted.pem"), passFile, numPass} {
		for _, cmd := range []string{"client", "echo", "bridge"} {
			r := run(t, "", cmd, "--config", f)
			checkBadResult(t, r, ExitInput, f, []string{cmd, "--config", f})
			for _, s := range secrets {
				if strings.Contains(r.stdout+r.stderr, s) {
					t.Errorf("wsskit %s --config %s printed %q:\n%s", cmd, f, s, r.stderr)
				}
			}
		}
	}
}

// TestBadInputJSONAndDebug: under --json the failure is one JSON object
// on stdout naming the file, with the exit code; --debug and -v add layers
// but still one error line.
func TestBadInputJSONAndDebug(t *testing.T) {
	noise := bad("noise.bin")
	for _, args := range [][]string{
		{"show", "--json", noise},
		{"verify", "--json", noise},
		{"pfx", "unpack", "--json", noise, "--out-dir", filepath.Join(t.TempDir(), "out")},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			r := run(t, "", args...)
			if r.code != ExitInput {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, ExitInput, r.stdout, r.stderr)
			}
			type failure struct {
				Error string `json:"error"`
				Code  int    `json:"exit_code"`
			}
			var v struct {
				failure
				Files []failure `json:"files"` // verify reports per file
			}
			if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
			}
			if args[0] == "verify" && len(v.Files) == 1 {
				v.failure = v.Files[0]
			}
			if !strings.Contains(v.Error, noise) || v.Code != ExitInput {
				t.Errorf("got %+v, want the error naming %s and exit_code 3", v, noise)
			}
			if strings.Contains(r.stderr, "error:") {
				t.Errorf("--json also printed an error line on stderr:\n%s", r.stderr)
			}
		})
	}
	for _, flag := range []string{"--debug", "-v"} {
		t.Run(flag, func(t *testing.T) {
			r := run(t, "", flag, "show", noise)
			checkBadResult(t, r, ExitInput, noise, []string{flag, "show", noise})
		})
	}
}

// runBounded runs wsskit in-process, failing the test if it does not
// return in time (a command blocked on a FIFO or a socket).
func runBounded(t *testing.T, limit time.Duration, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- run(t, "", args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(limit):
		t.Fatalf("wsskit %s did not return within %v", strings.Join(args, " "), limit)
		return result{}
	}
}

// checkBadResult checks a failed run: exit code, exactly one "error: "
// line naming file, only hint/note/warning/usage/debug lines besides it,
// and no panic.
func checkBadResult(t *testing.T, r result, code int, file string, args []string) {
	t.Helper()
	cmd := "wsskit " + strings.Join(args, " ")
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", cmd, r.code, code, r.stdout, r.stderr)
	}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") || strings.Contains(s, ".go:") {
			t.Fatalf("%s: a panic or stack trace:\n%s", cmd, s)
		}
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "error: "):
			errLines = append(errLines, l)
		case l == "", strings.HasPrefix(l, "hint:"), strings.HasPrefix(l, "note:"), strings.HasPrefix(l, "warning:"),
			strings.HasPrefix(l, "debug:"), strings.HasPrefix(l, "run 'wsskit "), strings.HasPrefix(l, "       "):
		default:
			t.Errorf("%s: unexpected stderr line %q", cmd, l)
		}
	}
	if len(errLines) != 1 {
		t.Fatalf("%s: %d error lines, want 1:\n%s", cmd, len(errLines), r.stderr)
	}
	if !strings.Contains(errLines[0], file) {
		t.Errorf("%s: the error line does not name %s:\n%s", cmd, file, errLines[0])
	}
}
