package commands

import (
	"strings"
	"testing"
)

// TestPassFlagHelpMatchesBehaviour: flags whose omission does not prompt
// must not say "asked on the terminal when omitted" (pki init uses the
// printed default "changeit"; pfx unpack writes key.pem unencrypted).
func TestPassFlagHelpMatchesBehaviour(t *testing.T) {
	cases := []struct {
		cmd  []string
		flag string
		want string
	}{
		{[]string{"pki", "init"}, "--pfx-pass", `default "changeit"`},
		{[]string{"pfx", "unpack"}, "--passout", "unencrypted when omitted"},
		{[]string{"key", "new"}, "--passout", "unencrypted when omitted"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.cmd, " ")+" "+tc.flag, func(t *testing.T) {
			r := mustRun(t, append(tc.cmd, "--help")...)
			var line string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(strings.TrimSpace(l), tc.flag+" ") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no %s in help:\n%s", tc.flag, r.stdout)
			}
			if strings.Contains(line, "asked on the terminal") {
				t.Errorf("help says the pass phrase is asked for, but it is not: %q", line)
			}
			if !strings.Contains(line, tc.want) {
				t.Errorf("help line %q lacks %q", line, tc.want)
			}
		})
	}
}
