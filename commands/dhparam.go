package commands

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func dhparamCommand() *cli.Command {
	return &cli.Command{
		Name:     "dhparam",
		Category: catPKI,
		Usage:    "generate, pick or check finite-field Diffie-Hellman parameters [openssl dhparam]",
		UsageText: "wsskit dhparam [--bits 2048] [--generator 2] [--out F] [--force]\n" +
			"   wsskit dhparam --group ffdhe2048|ffdhe3072|ffdhe4096|ffdhe6144|ffdhe8192 [--out F]\n" +
			"   wsskit dhparam --check F [--json]",
		Description: `Writes PKCS#3 "DH PARAMETERS" PEM (p and g only), byte for byte what
"openssl dhparam" writes, to --out or stdout.

Who needs this file: only OpenSSL-based servers that offer DHE cipher suites
(TLS_DHE_RSA_WITH_*) in TLS 1.2: websocketpp/asio (context::use_tmp_dh_file or
set_tmp_dh), nginx (ssl_dhparam), Apache (SSLOpenSSLConfCmd DHParameters),
"openssl s_server -dhparam". Go's crypto/tls implements no finite-field DH at all
(no DHE suites, no ffdhe groups): a Go server or client, wsskit included, never
reads it. Browsers do not offer DHE suites either (Chrome dropped them in 2016),
and TLS 1.3 does not use this file.

--bits generates a new random safe prime p = 2q+1 (q prime) on all cores, as
"openssl dhparam BITS" does (p = 23 mod 24 for generator 2, 59 mod 60 for 5),
with a progress line on stderr when it is a terminal. 2048 bits takes seconds.
--group writes one of the fixed RFC 7919 groups instantly; they are as safe as
fresh parameters and are what "openssl genpkey -genparam -pkeyopt group:ffdhe2048"
writes. OpenSSL at security level 2, the default of Debian and Ubuntu builds,
refuses parameters under 2048 bits ("dh key too small").

--check tests a file (PEM or DER, PKCS#3 or X9.42) the way "openssl dhparam -check"
does and prints OpenSSL's verdict: "DH parameters appear to be ok." or each of
OpenSSL's reasons ("check p not prime", "check p not safe prime", "not suitable
generator", "modulus too small", ...) with what it means. Exit status 1 when the
parameters are invalid, 3 when the file holds none. --json prints {"file", "ok",
"bits", "generator", "group", "safe_prime_form", "reasons": [{"reason", "meaning"}]}.

` + example(
			"wsskit dhparam --out dh.pem                      # 2048-bit, generator 2 [openssl dhparam -out dh.pem 2048]",
			"wsskit dhparam --group ffdhe2048 --out dh.pem    # instant [openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048]",
			"wsskit dhparam --bits 3072 --generator 5 > dh3072.pem",
			"wsskit dhparam --check dh.pem                    # [openssl dhparam -check -noout -in dh.pem]",
		),
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "bits", Value: 2048, Usage: "size of the prime to generate, 512 to 10000"},
			&cli.IntFlag{Name: "generator", Aliases: []string{"g"}, Value: 2, Usage: "generator (2 or 5 are usual; any value >= 2)"},
			&cli.StringFlag{Name: "group", Usage: "write an RFC 7919 group instead of generating: " + strings.Join(pki.DHGroupNames(), ", ")},
			&cli.StringFlag{Name: "check", Usage: "check this DH parameters file instead of writing one", TakesFile: true},
			&cli.IntFlag{Name: "workers", Usage: "parallel searches (default: one per CPU)"},
			outFlag("file to write (default: stdout)"),
			forceFlag(),
			jsonFlag(),
		},
		Action: dhparamAction,
	}
}

func dhparamAction(c *cli.Context) error {
	e := envOf(c)
	if err := noArgs(c); err != nil {
		return err
	}
	if path := c.String("check"); path != "" {
		for _, f := range []string{"bits", "generator", "group", "out", "workers"} {
			if c.IsSet(f) {
				return usageErr("flag --check cannot be combined with --%s", f)
			}
		}
		return dhparamCheck(e, path)
	}
	if c.Bool("json") {
		return usageErr("flag --json requires --check")
	}
	out := c.String("out")
	if out != "" {
		if err := checkNotExist(out, c.Bool("force")); err != nil {
			return err
		}
	}
	var params *pki.DHParams
	if group := c.String("group"); group != "" {
		for _, f := range []string{"bits", "generator", "workers"} {
			if c.IsSet(f) {
				return usageErr("flag --group cannot be combined with --%s (RFC 7919 groups are fixed, generator 2)", f)
			}
		}
		p, err := pki.DHGroup(group)
		if err != nil {
			return usageErr("--group: %w", err)
		}
		params = p
	} else {
		bits, gen := c.Int("bits"), c.Int("generator")
		if bits < pki.DHMinBits || bits > pki.DHMaxBits {
			return usageErr("--bits must be between %d and %d (OpenSSL's limits), got %d", pki.DHMinBits, pki.DHMaxBits, bits)
		}
		if gen < 2 {
			return usageErr("--generator must be at least 2, got %d", gen)
		}
		if c.Int("workers") < 0 {
			return usageErr("--workers must not be negative")
		}
		if bits < 2048 {
			e.Warnf("%d-bit DH parameters are refused by OpenSSL at security level 2, the default of Debian and Ubuntu builds (dh key too small); use 2048 bits or more", bits)
		}
		p, err := dhGenerate(c, e, bits, gen, c.Int("workers"))
		if err != nil {
			return err
		}
		params = p
	}
	pemData := params.PEM()
	if out == "" {
		_, err := e.Stdout.Write(pemData)
		return err
	}
	if err := writeFiles(c.Bool("force"), outFile{Path: out, Data: pemData, Mode: modePublic}); err != nil {
		return err
	}
	what := fmt.Sprintf("%d-bit DH parameters, generator %s", params.Bits(), params.G)
	if g := params.GroupName(); g != "" {
		what += " (RFC 7919 " + g + ")"
	}
	e.Notef("wrote %s: %s", out, what)
	return nil
}

// dhGenerate runs the parallel safe-prime search, with a progress line on a
// terminal stderr.
func dhGenerate(c *cli.Context, e *Env, bits, gen, workers int) (*pki.DHParams, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	start := time.Now()
	live := isTerminal(e.Stderr) && !e.Quiet
	var progress func(int)
	if live {
		last := time.Time{}
		progress = func(tried int) {
			if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
				last = now
				fmt.Fprintf(e.Stderr, "\rgenerating %d-bit DH parameters on %d cores: %d candidates tested, %.1fs ",
					bits, workers, tried, now.Sub(start).Seconds())
			}
		}
	} else {
		e.Notef("generating %d-bit DH parameters (safe prime, generator %d) on %d cores; this may take a while", bits, gen, workers)
	}
	var tried int
	counting := func(n int) {
		tried = n
		if progress != nil {
			progress(n)
		}
	}
	p, err := pki.GenerateDHParams(c.Context, bits, gen, workers, counting)
	if live {
		fmt.Fprint(e.Stderr, "\r\033[K")
	}
	if err != nil {
		return nil, err
	}
	e.Notef("found a %d-bit safe prime after %d candidates in %.1fs", bits, tried, time.Since(start).Seconds())
	return p, nil
}

// dhReasonMeaning explains OpenSSL's DH_check reasons.
var dhReasonMeaning = map[string]string{
	pki.DHCheckPNotPrime:            "p is not a prime number, so the parameters are broken; make new ones (wsskit dhparam --group ffdhe2048)",
	pki.DHCheckPNotSafePrime:        "p is prime but (p-1)/2 is not, so it is not a safe prime and OpenSSL cannot rule out small subgroups; these look like DSA-style parameters without their q",
	pki.DHCheckNotSuitableGenerator: "g must be greater than 1 and less than p-1 (and, with q given, satisfy g^q = 1 mod p)",
	pki.DHCheckQNotPrime:            "the X9.42 subgroup order q is not prime",
	pki.DHCheckInvalidQValue:        "q does not divide p-1 (or is not smaller than p)",
	pki.DHCheckModulusTooSmall:      "p has fewer than 512 bits, OpenSSL's minimum",
	pki.DHCheckModulusTooLarge:      "p has more than 10000 bits, OpenSSL's maximum",
}

// dhCheckReport is `dhparam --check --json`'s output.
type dhCheckReport struct {
	File      string          `json:"file"`
	OK        bool            `json:"ok"`
	Bits      int             `json:"bits"`
	Generator string          `json:"generator"`
	Group     string          `json:"group,omitempty"`
	Form      string          `json:"safe_prime_form"`
	Reasons   []dhCheckReason `json:"reasons"`
}

type dhCheckReason struct {
	Reason  string `json:"reason"`
	Meaning string `json:"meaning"`
}

func dhparamCheck(e *Env, path string) error {
	data, err := e.readInput(path)
	if err != nil {
		return err
	}
	params, err := pki.ParseDHParams(data)
	if err != nil {
		return inputErr(path, err)
	}
	gen := params.G.String()
	if params.G.BitLen() > 32 {
		gen = fmt.Sprintf("a %d-bit number", params.G.BitLen())
	}
	rep := dhCheckReport{File: path, Bits: params.Bits(), Generator: gen, Group: params.GroupName(), Reasons: []dhCheckReason{}}
	rep.Form = "PKCS#3 (p, g)"
	if params.Q != nil {
		rep.Form = "X9.42 (p, g, q)"
	}
	for _, r := range pki.CheckDHParams(params) {
		rep.Reasons = append(rep.Reasons, dhCheckReason{Reason: r, Meaning: dhReasonMeaning[r]})
	}
	rep.OK = len(rep.Reasons) == 0
	if e.JSON {
		if err := e.writeJSON(rep); err != nil {
			return err
		}
	} else {
		printDHCheck(e, e.Stdout, rep)
	}
	if !rep.OK {
		return checkFailed()
	}
	return nil
}

func printDHCheck(e *Env, w io.Writer, rep dhCheckReport) {
	desc := fmt.Sprintf("%d-bit, generator %s, %s", rep.Bits, rep.Generator, rep.Form)
	if rep.Group != "" {
		desc += ", RFC 7919 group " + rep.Group
	}
	if rep.OK {
		green := e.paint(w, colorGreen)
		fmt.Fprintf(w, "%s: %s\n", rep.File, green("DH parameters appear to be ok."))
		fmt.Fprintf(w, "  %s\n", desc)
		if rep.Bits < 2048 {
			fmt.Fprintf(w, "  note: OpenSSL at security level 2 (Debian and Ubuntu's default) refuses DH parameters under 2048 bits (dh key too small)\n")
		}
		return
	}
	red := e.paint(w, colorRed)
	fmt.Fprintf(w, "%s: %s\n", rep.File, red("Error, invalid DH parameters"))
	fmt.Fprintf(w, "  %s\n", desc)
	for _, r := range rep.Reasons {
		fmt.Fprintf(w, "  %s: %s\n", r.Reason, r.Meaning)
	}
}
