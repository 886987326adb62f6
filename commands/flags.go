package commands

import (
	"strings"

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

// keyPassoutFlag is --passout for commands that write a private key, which
// stays unencrypted (as openssl genpkey writes it) unless it is given.
func keyPassoutFlag() cli.Flag {
	return &cli.StringFlag{Name: "passout", Usage: "encrypt the new key (PKCS#8, AES-256) with this pass phrase: pass:TEXT, env:VAR, file:PATH, fd:N or stdin; unencrypted when omitted"}
}

func keyTypeFlag(name string) cli.Flag {
	return &cli.StringFlag{Name: name, Value: pki.DefaultKeyType.String(), Usage: "key type: " + strings.Replace(pki.KeyTypes, " (default)", "", 1)}
}

func subjectFlag() cli.Flag {
	return &cli.StringFlag{Name: "subject", Aliases: []string{"subj"}, Usage: "subject, OpenSSL form /C=SG/O=Test/CN=127.0.0.1 or RFC 4514 form CN=127.0.0.1,O=Test,C=SG"}
}

func sanFlag() cli.Flag {
	return &cli.StringSliceFlag{Name: "san", Usage: "subjectAltName: IP:127.0.0.1, DNS:localhost, email:a@b.example, URI:spiffe://x or a bare value (repeatable, or comma-separated)"}
}

func daysFlag() cli.Flag {
	return &cli.IntFlag{Name: "days", Usage: "validity in days (825 for a leaf is the most Apple accepts)", DefaultText: "3650 for a CA, 825 for a leaf"}
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
