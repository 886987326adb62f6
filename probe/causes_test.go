package probe

import (
	"bytes"
	"crypto/tls"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/troubleshooting.md)")

// designCauseIDs are the cause ids DESIGN.md fixes; they must never go away.
var designCauseIDs = []string{
	"dns_failed", "connection_refused", "timeout", "tls_to_plain_server", "plain_to_tls_server",
	"server_cert_untrusted", "server_cert_name_mismatch", "server_cert_cn_only", "server_cert_expired",
	"server_cert_not_yet_valid", "server_cert_wrong_usage", "client_cert_required", "client_cert_untrusted",
	"client_cert_expired", "client_cert_not_yet_valid", "client_cert_wrong_usage", "client_cert_revoked",
	"protocol_version_mismatch", "no_shared_cipher", "sni_required", "http_not_websocket",
	"upgrade_bad_request", "upgrade_unauthorized", "upgrade_forbidden", "upgrade_not_found", "upgrade_version",
	"ws_policy_violation", "ws_closed_abnormally", "expect_mismatch",
}

func TestCauseTable(t *testing.T) {
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	seen := map[string]bool{}
	wantExit := map[Stage][]int{
		StageResolve: {ExitNetwork}, StageTCP: {ExitNetwork}, StageTLS: {ExitTLS, ExitBadInput},
		StageHTTP: {ExitHTTP}, StageWS: {ExitWebSocket, ExitCheckFailed},
	}
	for _, c := range Causes() {
		t.Run(c.ID, func(t *testing.T) {
			if !snake.MatchString(c.ID) {
				t.Errorf("id %q is not snake_case", c.ID)
			}
			if seen[c.ID] {
				t.Errorf("id %q appears twice", c.ID)
			}
			seen[c.ID] = true
			ok := false
			for _, e := range wantExit[c.Stage] {
				ok = ok || e == c.ExitCode
			}
			if !ok {
				t.Errorf("stage %s with exit code %d, want one of %v", c.Stage, c.ExitCode, wantExit[c.Stage])
			}
			if c.Title == "" || c.Seen == "" {
				t.Error("title or seen is empty")
			}
			for _, f := range []Facts{{}, ExampleFacts(), func() Facts { f := ExampleFacts(); f.Side = "server"; return f }()} {
				ex, fix := c.Explain(f), c.Fix(f)
				if ex == "" || fix == "" {
					t.Errorf("empty sentence for %+v: cause %q fix %q", f, ex, fix)
				}
				if strings.HasSuffix(ex, ".") || strings.Contains(ex, "%!") || strings.Contains(fix, "%!") {
					t.Errorf("badly formatted: cause %q fix %q", ex, fix)
				}
			}
		})
	}
	for _, id := range designCauseIDs {
		if LookupCause(id) == nil {
			t.Errorf("DESIGN.md cause_id %q missing from the table", id)
		}
	}
	if LookupCause("no_such_cause") != nil {
		t.Error("LookupCause found an unknown id")
	}
}

func TestTroubleshootingDoc(t *testing.T) {
	path := filepath.Join("..", "docs", "troubleshooting.md")
	got := TroubleshootingMarkdown()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (run go generate ./probe): %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./probe", path)
	}
	for _, c := range Causes() {
		if !bytes.Contains(want, []byte("\n## "+c.ID+"\n")) {
			t.Errorf("%s lacks a section for %s", path, c.ID)
		}
	}
}

// TestEveryCauseHasATest checks that every cause id of the table is used by
// a test other than the table's own (the acceptance: one test per cause).
func TestEveryCauseHasATest(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "causes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	constOf := map[string]string{} // id -> constant name
	ast.Inspect(file, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			id, _ := strconv.Unquote(lit.Value)
			constOf[id] = vs.Names[0].Name
		}
		return true
	})
	tests, _ := filepath.Glob("*_test.go")
	var src strings.Builder
	for _, f := range tests {
		if f == "causes_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for _, id := range causeIDs() {
		name, ok := constOf[id]
		if !ok {
			t.Errorf("cause %s has no constant in causes.go", id)
			continue
		}
		if !strings.Contains(src.String(), name) {
			t.Errorf("cause %s (%s) is used by no test", id, name)
		}
	}
}

func TestDropGREASE(t *testing.T) {
	got := DropGREASE([]uint16{0x0a0a, 0x0304, 0xbaba, 0x0303, 0x1a1b, 0xfafa})
	want := []uint16{0x0304, 0x0303, 0x1a1b}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("DropGREASE = %x, want %x", got, want)
	}
	ch := NewClientHello(&tls.ClientHelloInfo{SupportedVersions: []uint16{0xbaba, tls.VersionTLS13}})
	if len(ch.Versions) != 1 || ch.Versions[0] != "TLS 1.3" {
		t.Errorf("NewClientHello versions = %q, want only TLS 1.3", ch.Versions)
	}
}
