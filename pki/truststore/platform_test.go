package truststore

import (
	"errors"
	"strings"
	"testing"
)

// The macOS and Windows stores cannot be changed here; these tests pin
// the exact command lines wsskit runs there and how it reads their answers,
// through a runner that plays the tool.

func TestKeychainCommands(t *testing.T) {
	ca, _ := testCA(t, "Mac CA")
	const sec = "/usr/bin/security"
	found := "keychain: \"/Library/Keychains/System.keychain\"\nSHA-256 hash: 00\nSHA-1 hash: " + ca.SHA1 + "\nclass: 0x80001000\n"
	other := "keychain: \"/Library/Keychains/System.keychain\"\nSHA-1 hash: 0123456789ABCDEF0123456789ABCDEF01234567\n"
	tests := []struct {
		name       string
		op         Op
		listing    string
		privileged bool
		want       Status
		wantRun    []string // commands after the find-certificate look
	}{
		{"install", OpInstall, other, true, StatusAdded,
			[]string{sec + " add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain /tmp/ca.pem"}},
		{"install twice", OpInstall, found, true, StatusUnchanged, nil},
		{"install without sudo", OpInstall, other, false, StatusNeedsRoot, nil},
		{"uninstall", OpUninstall, found, true, StatusRemoved,
			[]string{sec + " remove-trusted-cert -d /tmp/ca.pem", sec + " delete-certificate -Z " + ca.SHA1 + " /Library/Keychains/System.keychain"}},
		{"uninstall absent", OpUninstall, other, true, StatusUnchanged, nil},
		{"list", OpList, found, false, StatusPresent, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state := tt.listing
			rec := &recorder{handle: func(argv []string) ([]byte, bool, error) {
				switch argv[1] {
				case "find-certificate":
					return []byte(state), true, nil
				case "add-trusted-cert":
					state = found
				case "delete-certificate":
					state = other
				}
				return nil, true, nil
			}}
			opts := Options{Stores: []Kind{System}, GOOS: "darwin", Runner: rec, CAFile: "/tmp/ca.pem",
				LookPath: func(n string) (string, error) { return "/usr/bin/" + n, nil }, Privileged: func() bool { return tt.privileged }}
			r := one(t)(do(ctxT(t), tt.op, ca, opts))
			wantStatus(t, r, tt.want)
			var ran []string
			for _, c := range rec.commands() {
				if !strings.Contains(c, " find-certificate ") {
					ran = append(ran, c)
				} else if c != sec+" find-certificate -a -Z /Library/Keychains/System.keychain" {
					t.Errorf("look-up %q", c)
				}
			}
			if strings.Join(ran, "\n") != strings.Join(tt.wantRun, "\n") {
				t.Errorf("ran:\n%s\nwant:\n%s", strings.Join(ran, "\n"), strings.Join(tt.wantRun, "\n"))
			}
			if tt.want == StatusNeedsRoot {
				var nr *NeedsRootError
				if !errors.As(r.Err, &nr) || !strings.Contains(nr.Error(), "add-trusted-cert") || len(r.Actions) != 1 {
					t.Errorf("err %v", r.Err)
				}
			}
		})
	}
	rep, err := List(ctxT(t), nil, Options{Stores: []Kind{System}, GOOS: "darwin", Runner: &recorder{}})
	if err != nil || rep.Results[0].Status != StatusSkipped || !errors.Is(rep.Results[0].Err, errNoInventory) {
		t.Errorf("List(nil) on macOS: %+v %v", rep.Results, err)
	}
}

func TestWindowsRootCommands(t *testing.T) {
	ca, _ := testCA(t, "Windows CA")
	const cu = `C:\Windows\System32\certutil.exe`
	spaced := strings.ToLower(ca.SHA1[:2]) + " " + strings.ToLower(ca.SHA1[2:4]) + " " + strings.ToLower(ca.SHA1[4:])
	found := "ROOT \"Trusted Root Certification Authorities\"\r\n================ Certificate 0 ================\r\nSerial Number: 01\r\nCert Hash(sha1): " + spaced + "\r\nCertUtil: -store command completed successfully.\r\n"
	notFoundOut := "ROOT \"Trusted Root Certification Authorities\"\r\nCertUtil: -store command FAILED: 0x80092004 (-2146885628 CRYPT_E_NOT_FOUND)\r\nCertUtil: Cannot find object or property.\r\n"
	tests := []struct {
		name    string
		op      Op
		listing string
		lookErr error
		want    Status
		wantRun []string
	}{
		{"install", OpInstall, notFoundOut, errors.New("exit status 0x80092004"), StatusAdded, []string{cu + ` -addstore -f ROOT C:\t\ca.pem`}},
		{"install twice", OpInstall, found, nil, StatusUnchanged, nil},
		{"uninstall", OpUninstall, found, nil, StatusRemoved, []string{cu + " -delstore ROOT " + ca.SHA1}},
		{"uninstall absent", OpUninstall, notFoundOut, errors.New("exit status 0x80092004"), StatusUnchanged, nil},
		{"list", OpList, found, nil, StatusPresent, nil},
		{"access denied", OpList, "CertUtil: -store command FAILED: 0x80070005 (WIN32: 5 ERROR_ACCESS_DENIED)", errors.New("exit status 5"), StatusFailed, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, lookErr := tt.listing, tt.lookErr
			rec := &recorder{handle: func(argv []string) ([]byte, bool, error) {
				switch argv[1] {
				case "-store":
					return []byte(state), true, lookErr
				case "-addstore":
					state, lookErr = found, nil
				case "-delstore":
					state, lookErr = notFoundOut, errors.New("exit status 0x80092004")
				}
				return nil, true, nil
			}}
			opts := Options{Stores: []Kind{System}, GOOS: "windows", Runner: rec, CAFile: `C:\t\ca.pem`, LookPath: notFound}
			r := one(t)(do(ctxT(t), tt.op, ca, opts))
			wantStatus(t, r, tt.want)
			var ran []string
			for _, c := range rec.commands() {
				if !strings.Contains(c, " -store ") {
					ran = append(ran, c)
				} else if c != cu+" -store ROOT "+ca.SHA1 {
					t.Errorf("look-up %q", c)
				}
			}
			if strings.Join(ran, "\n") != strings.Join(tt.wantRun, "\n") {
				t.Errorf("ran:\n%s\nwant:\n%s", strings.Join(ran, "\n"), strings.Join(tt.wantRun, "\n"))
			}
			for _, a := range r.Actions {
				if !a.NeedsRoot {
					t.Errorf("action %s not marked as needing Administrator", a)
				}
			}
		})
	}
}

func TestActionString(t *testing.T) {
	tests := []struct {
		a    Action
		want string
	}{
		{Action{Kind: ActWrite, Path: "/usr/local/share/ca-certificates/x.crt", Mode: 0o644}, "write /usr/local/share/ca-certificates/x.crt (0644)"},
		{Action{Kind: ActRemove, Path: "/a b/x.crt"}, "remove '/a b/x.crt'"},
		{Action{Kind: ActMkdir, Path: "/h/.pki/nssdb"}, "mkdir /h/.pki/nssdb"},
		{Action{Kind: ActRun, Argv: []string{"certutil", "-A", "-n", "wsskit test CA (3FA1B2C3)", "-t", "C,,"}}, "certutil -A -n 'wsskit test CA (3FA1B2C3)' -t C,,"},
		{Action{Kind: ActRun, Argv: []string{"keytool", "-alias", "it's"}, Env: []string{"WSSKIT_STOREPASS=secret"}}, `WSSKIT_STOREPASS=… keytool -alias 'it'\''s'`},
		{Action{Kind: ActRun, Argv: []string{"x", ""}}, "x ''"},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
