package truststore

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wsskit/wsskit/pki/pkitest"
)

// fakeSystem makes a fake root for a layout: its markers, anchor folder and
// a bundle holding one unrelated "distribution" CA.
func fakeSystem(t *testing.T, l Layout) (root string, distro []byte) {
	t.Helper()
	root = t.TempDir()
	for _, m := range l.Markers {
		if strings.HasSuffix(m, ".conf") {
			mkdirs(t, root, filepath.Dir(m))
			pkitest.WriteFile(t, filepath.Join(root, filepath.Dir(m)), filepath.Base(m), nil)
		} else {
			mkdirs(t, root, m)
		}
	}
	mkdirs(t, root, l.AnchorDir, filepath.Dir(l.Bundle))
	distro = pemBlock("CERTIFICATE", certOf(t, "Distro Root", true).Raw)
	if err := os.WriteFile(filepath.Join(root, l.Bundle), distro, 0o644); err != nil {
		t.Fatal(err)
	}
	return root, distro
}

// refreshStub plays a distribution's refresh command inside the fake root:
// the bundle becomes the distribution's CAs plus every anchor file.
func refreshStub(t *testing.T, root string, l Layout, distro []byte) func([]string) ([]byte, bool, error) {
	return func(argv []string) ([]byte, bool, error) {
		bundle := append([]byte(nil), distro...)
		ents, err := os.ReadDir(filepath.Join(root, l.AnchorDir))
		if err != nil {
			return nil, true, err
		}
		for _, e := range ents {
			data, err := os.ReadFile(filepath.Join(root, l.AnchorDir, e.Name()))
			if err != nil {
				return nil, true, err
			}
			bundle = append(bundle, data...)
		}
		return nil, true, os.WriteFile(filepath.Join(root, l.Bundle), bundle, 0o644)
	}
}

func fakeLookPath(name string) (string, error) { return "/usr/sbin/" + name, nil }

// wantRefresh is the refresh command line for a layout under a fake root.
func wantRefresh(root string, l Layout, remove bool) string {
	base := l.Refresh
	if remove {
		base = l.RefreshRemove
	}
	if l.Name != "debian" {
		return strings.Join(append([]string{"chroot", root}, base...), " ")
	}
	argv := append([]string{"/usr/sbin/" + base[0]}, base[1:]...)
	argv = append(argv, "--certsconf", root+"/etc/ca-certificates.conf", "--certsdir", root+"/usr/share/ca-certificates",
		"--localcertsdir", root+"/usr/local/share/ca-certificates", "--etccertsdir", root+"/etc/ssl/certs",
		"--hooksdir", root+"/etc/ca-certificates/update.d")
	return strings.Join(argv, " ")
}

func TestSystemStoreLayouts(t *testing.T) {
	for _, l := range Layouts {
		t.Run(l.Name+"-"+filepath.Base(l.Markers[0]), func(t *testing.T) {
			root, distro := fakeSystem(t, l)
			got, err := DetectLayout(root)
			if err != nil || got.AnchorDir != l.AnchorDir || got.Name != l.Name {
				t.Fatalf("DetectLayout = %+v, %v; want %s", got, err, l.Name)
			}
			ca, _ := testCA(t, "wsskit test CA "+l.Name)
			rec := &recorder{handle: refreshStub(t, root, l, distro)}
			// Debian's script takes the tree's folders as flags and needs no
			// root for a tree the user owns; the others run under chroot.
			chroot := l.Name != "debian"
			opts := Options{Stores: []Kind{System}, Root: root, GOOS: "linux", Runner: rec, LookPath: fakeLookPath,
				Privileged: func() bool { return false }, CAFile: caFile(t, t.TempDir(), ca)}
			if chroot {
				r := one(t)(Install(ctxT(t), ca, opts))
				wantStatus(t, r, StatusNeedsRoot, "needs root")
				if !strings.Contains(r.Err.Error(), "chroot "+root) {
					t.Errorf("error %q does not name the chroot", r.Err)
				}
				opts.Privileged = func() bool { return true }
			}
			anchor := filepath.Join(root, l.AnchorDir, ca.FileName)

			// Dry run: the plan, and nothing written or run.
			dry := opts
			dry.DryRun = true
			r := one(t)(Install(ctxT(t), ca, dry))
			wantStatus(t, r, StatusPlanned, "would add", anchor)
			if len(r.Actions) != 2 || r.Actions[0].Kind != ActWrite || r.Actions[0].Path != anchor || r.Actions[1].String() != wantRefresh(root, l, false) {
				t.Errorf("dry-run plan %v", r.Actions)
			}
			if _, err := os.Stat(anchor); !errors.Is(err, os.ErrNotExist) || len(rec.calls) != 0 {
				t.Fatalf("dry run changed something: stat %v, commands %q", err, rec.commands())
			}

			r = one(t)(Install(ctxT(t), ca, opts))
			wantStatus(t, r, StatusAdded, "added to "+l.Description, anchor)
			if !r.Present || !r.Trusted {
				t.Errorf("after install: present %v trusted %v", r.Present, r.Trusted)
			}
			if got := rec.commands(); len(got) != 1 || got[0] != wantRefresh(root, l, false) {
				t.Errorf("ran %q, want %q", got, wantRefresh(root, l, false))
			}
			data, err := os.ReadFile(anchor)
			if err != nil || string(data) != string(ca.PEM) {
				t.Fatalf("anchor %s: %v, %q", anchor, err, data)
			}
			if st, _ := os.Stat(anchor); st.Mode().Perm() != 0o644 {
				t.Errorf("anchor mode %v, want 0644", st.Mode().Perm())
			}

			// Idempotent: nothing to do, nothing run.
			rec.reset()
			r = one(t)(Install(ctxT(t), ca, opts))
			wantStatus(t, r, StatusUnchanged, "already in", "nothing to do")
			if len(rec.calls) != 0 {
				t.Errorf("second install ran %q", rec.commands())
			}

			r = one(t)(List(ctxT(t), ca, opts))
			wantStatus(t, r, StatusPresent, "in "+l.Description)
			rep, err := List(ctxT(t), nil, opts)
			if err != nil || len(rep.Installed) != 1 || rep.Installed[0].Label != anchor || rep.Installed[0].SHA256 != ca.SHA256 || !rep.Installed[0].Trusted {
				t.Errorf("List(nil) = %+v, %v", rep.Installed, err)
			}

			rec.reset()
			r = one(t)(Uninstall(ctxT(t), ca, opts))
			wantStatus(t, r, StatusRemoved, "removed", ca.FileName)
			if got := rec.commands(); len(got) != 1 || got[0] != wantRefresh(root, l, true) {
				t.Errorf("ran %q, want %q", got, wantRefresh(root, l, true))
			}
			if _, err := os.Stat(anchor); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("anchor still there: %v", err)
			}
			if r.Present || r.Trusted {
				t.Errorf("after uninstall: present %v trusted %v", r.Present, r.Trusted)
			}
			r = one(t)(Uninstall(ctxT(t), ca, opts))
			wantStatus(t, r, StatusUnchanged, "nothing to remove")
			r = one(t)(List(ctxT(t), ca, opts))
			wantStatus(t, r, StatusAbsent, "not in")
		})
	}
}

func TestSystemStoreCopyNotOurs(t *testing.T) {
	l := Layouts[0]
	root, distro := fakeSystem(t, l)
	ca, _ := testCA(t, "Hand Made CA")
	custom := pkitest.WriteFile(t, filepath.Join(root, l.AnchorDir), "custom.crt", ca.PEM)
	if err := os.WriteFile(filepath.Join(root, l.Bundle), append(distro, ca.PEM...), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{handle: refreshStub(t, root, l, distro)}
	opts := Options{Stores: []Kind{System}, Root: root, GOOS: "linux", Runner: rec, LookPath: fakeLookPath}
	r := one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusUnchanged, "already trusted", custom, "not added by wsskit")
	r = one(t)(Uninstall(ctxT(t), ca, opts))
	wantStatus(t, r, StatusUnchanged, "nothing to remove")
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], custom) {
		t.Errorf("notes %q, want one naming %s", r.Notes, custom)
	}
	if len(rec.calls) != 0 {
		t.Errorf("ran %q", rec.commands())
	}
	if _, err := os.Stat(custom); err != nil {
		t.Errorf("uninstall touched a file wsskit did not make: %v", err)
	}

	// An anchor whose refresh never ran: install only refreshes.
	os.Remove(custom)
	pkitest.WriteFile(t, filepath.Join(root, l.AnchorDir), ca.FileName, ca.PEM)
	if err := os.WriteFile(filepath.Join(root, l.Bundle), distro, 0o644); err != nil {
		t.Fatal(err)
	}
	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusAdded)
	if len(r.Actions) != 1 || r.Actions[0].Kind != ActRun {
		t.Errorf("actions %v, want just the refresh", r.Actions)
	}
}

func TestSystemStoreNeedsRoot(t *testing.T) {
	l := Layouts[0]
	root, distro := fakeSystem(t, l)
	ca, _ := testCA(t, "Root Needed CA")
	old := writable
	writable = func(string) bool { return false }
	t.Cleanup(func() { writable = old })
	rec := &recorder{handle: refreshStub(t, root, l, distro)}
	opts := Options{Stores: []Kind{System}, Root: root, GOOS: "linux", Runner: rec, LookPath: fakeLookPath, Privileged: func() bool { return false }}
	r := one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusNeedsRoot, "needs root", "nothing was changed")
	var nr *NeedsRootError
	if !errors.As(r.Err, &nr) || len(nr.Actions) != 2 {
		t.Fatalf("err %v, want a NeedsRootError with 2 actions", r.Err)
	}
	for _, want := range []string{"write " + filepath.Join(root, l.AnchorDir, ca.FileName), "update-ca-certificates"} {
		if !strings.Contains(nr.Error(), want) {
			t.Errorf("error %q does not name %q", nr, want)
		}
	}
	if len(rec.calls) != 0 {
		t.Errorf("ran %q", rec.commands())
	}
	if _, err := os.Stat(filepath.Join(root, l.AnchorDir, ca.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("wrote the anchor without root: %v", err)
	}
	// Dry run shows the plan with the steps marked.
	opts.DryRun = true
	r = one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusPlanned)
	for _, a := range r.Actions {
		if !a.NeedsRoot {
			t.Errorf("action %s not marked NeedsRoot", a)
		}
	}
	// As root, the same plan runs.
	opts.DryRun, opts.Privileged = false, func() bool { return true }
	wantStatus(t, one(t)(Install(ctxT(t), ca, opts)), StatusAdded)
}

func TestSystemStoreRefreshFailsRollsBack(t *testing.T) {
	l := Layouts[0]
	root, _ := fakeSystem(t, l)
	ca, _ := testCA(t, "Rollback CA")
	rec := &recorder{handle: func([]string) ([]byte, bool, error) {
		return nil, true, errors.New("exit status 1")
	}}
	opts := Options{Stores: []Kind{System}, Root: root, GOOS: "linux", Runner: rec, LookPath: fakeLookPath}
	r := one(t)(Install(ctxT(t), ca, opts))
	wantStatus(t, r, StatusFailed, "update-ca-certificates")
	var te *ToolError
	if !errors.As(r.Err, &te) {
		t.Fatalf("err %T %v, want *ToolError", r.Err, r.Err)
	}
	if _, err := os.Stat(filepath.Join(root, l.AnchorDir, ca.FileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("anchor left behind after the refresh failed: %v", err)
	}
}

func TestSystemStoreMissing(t *testing.T) {
	ca, _ := testCA(t, "No Store CA")
	root := t.TempDir()
	for _, tc := range []struct {
		stores []Kind
		want   Status
	}{{[]Kind{System}, StatusFailed}, {nil, StatusSkipped}} {
		rep, err := Install(ctxT(t), ca, Options{Stores: tc.stores, Root: root, GOOS: "linux", Runner: &recorder{}, LookPath: notFound, Home: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		r := rep.Results[0]
		wantStatus(t, r, tc.want, "no known Linux system trust store layout", root)
		if !errors.Is(r.Err, ErrNoSystemStore) {
			t.Errorf("err %v, want ErrNoSystemStore", r.Err)
		}
		if tc.stores == nil && len(rep.Failed()) != 0 {
			t.Errorf("under all, unavailable stores failed: %+v", rep.Failed())
		}
	}
	// A layout whose refresh tool is missing.
	fedora := Layouts[1]
	mkdirs(t, root, fedora.Markers[0])
	o := Options{Root: "/", GOOS: "linux", LookPath: notFound}.withDefaults()
	if _, err := o.findSystemTool(fedora, "no-such-refresh-tool-wsskit"); err == nil {
		t.Error("findSystemTool found a tool that does not exist")
	}
}

func TestSystemRefreshCommandOnRealRoot(t *testing.T) {
	for _, l := range Layouts {
		st := &systemTarget{o: &Options{Root: "/"}, layout: l}
		got := st.command("/usr/sbin/"+l.Refresh[0], l.RefreshRemove)
		want := append([]string{"/usr/sbin/" + l.Refresh[0]}, l.RefreshRemove[1:]...)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %q, want %q", l.Name, got, want)
		}
	}
	if !slices.Contains(Layouts[0].RefreshRemove, "--fresh") {
		t.Error("Debian removal must run update-ca-certificates --fresh")
	}
}
