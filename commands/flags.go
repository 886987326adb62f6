package commands

import (
	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

// Flags shared by several commands live here once, so they are spelled and
// explained the same everywhere.

func jsonFlag() cli.Flag {
	return &cli.BoolFlag{Name: "json", Usage: "print the result as JSON (stable snake_case fields)"}
}

func forceFlag() cli.Flag {
	return &cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "overwrite existing output files"}
}

func outFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: usage, TakesFile: true}
}

func passinFlag() cli.Flag {
	return &cli.StringFlag{Name: "passin", Usage: "input " + passSourceHelp}
}

func passoutFlag() cli.Flag {
	return &cli.StringFlag{Name: "passout", Usage: "output " + passSourceHelp}
}

func keyTypeFlag(name string) cli.Flag {
	return &cli.StringFlag{Name: name, Value: pki.DefaultKeyType.String(), Usage: "key type: " + pki.KeyTypes}
}

func subjectFlag() cli.Flag {
	return &cli.StringFlag{Name: "subject", Aliases: []string{"subj"}, Usage: "subject, OpenSSL form /C=SG/O=Test/CN=127.0.0.1 or RFC 4514 form CN=127.0.0.1,O=Test,C=SG"}
}

func sanFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "san", Usage: "subjectAltName: IP:127.0.0.1, DNS:localhost, email:a@b.example, URI:spiffe://x or a bare value (repeatable, or comma-separated)"}
}

func daysFlag() cli.Flag {
	return &cli.IntFlag{Name: "days", Usage: "validity in days (default: 3650 for a CA, 825 for a leaf, the most Apple accepts)"}
}

// parseSANFlags parses every --san value.
func parseSANFlags(values []string) (*pki.SANs, error) {
	sans := &pki.SANs{}
	for _, v := range values {
		if err := sans.AddSAN(v); err != nil {
			return nil, usageErr("--san: %w", err)
		}
	}
	return sans, nil
}

// parseSubjectFlag parses --subject and prints the warnings OpenSSL would.
func parseSubjectFlag(e *Env, s string) ([]byte, error) {
	der, warnings, err := pki.ParseSubject(s)
	if err != nil {
		return nil, usageErr("--subject: %w", err)
	}
	for _, w := range warnings {
		e.Warnf("%s", w)
	}
	return der, nil
}
