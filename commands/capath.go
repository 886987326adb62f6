package commands

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/urfave/cli/v2"
	"github.com/wsskit/wsskit/pki"
)

func capathCommand() *cli.Command {
	return &cli.Command{
		Name:      "capath",
		Category:  catCheck,
		Usage:     "make, update and check OpenSSL hashed CA folders (-CApath) [openssl rehash, c_rehash]",
		UsageText: "wsskit capath add|rehash|list DIR ...",
		Description: `A -CApath folder holds CA certificates and CRLs in PEM files plus links named
after their subject hash (HASH.0, HASH.1, ... for certificates, HASH.r0, ... for
CRLs) by which OpenSSL finds them. No openssl binary is needed.

` + example(
			"wsskit capath add pki/ca ca.pem root.crl      # copy in and link",
			"wsskit capath rehash pki/ca                   # like openssl rehash -v",
			"wsskit capath list pki/ca                     # check it the way OpenSSL will read it",
		),
		Subcommands: []*cli.Command{capathAddCommand(), capathRehashCommand(), capathListCommand()},
	}
}

// rehashFlags are the flags of capath add and capath rehash.
func rehashFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "copy", Usage: "write HASH.N copies instead of symlinks (the default on Windows, where symlinks need privileges)"},
		&cli.BoolFlag{Name: "symlinks", Usage: "write symlinks even on Windows"},
		&cli.BoolFlag{Name: "keep-links", Aliases: []string{"n"}, Usage: "do not remove links that are no longer needed (openssl rehash -n)"},
		&cli.BoolFlag{Name: "dry-run", Usage: "show what would change, change nothing"},
		&cli.BoolFlag{Name: "old", Usage: "name links by the old MD5 hash of OpenSSL 0.9.8 (openssl rehash -old)"},
		&cli.BoolFlag{Name: "compat", Usage: "make links by both the new and the old hash (openssl rehash -compat)"},
		&cli.BoolFlag{Name: "exact", Usage: "behave exactly like openssl rehash, including keeping stale links numbered below the count of files sharing a hash"},
		jsonFlag(),
	}
}

func rehashOptions(c *cli.Context) (pki.RehashOptions, error) {
	o := pki.RehashOptions{
		KeepLinks: c.Bool("keep-links"),
		DryRun:    c.Bool("dry-run"),
		Exact:     c.Bool("exact"),
		Copy:      c.Bool("copy") || (runtime.GOOS == "windows" && !c.Bool("symlinks")),
	}
	if c.Bool("copy") && c.Bool("symlinks") {
		return o, usageErr("flags --copy and --symlinks exclude each other")
	}
	switch {
	case c.Bool("old") && c.Bool("compat"):
		return o, usageErr("flags --old and --compat exclude each other")
	case c.Bool("old"):
		o.Hash = pki.HashOld
	case c.Bool("compat"):
		o.Hash = pki.HashBoth
	}
	return o, nil
}

// capathDir checks the DIR argument.
func capathDir(c *cli.Context, min int) (string, error) {
	if c.NArg() < min {
		return "", usageErr("missing argument: wsskit %s", c.Command.UsageText[len("wsskit "):])
	}
	dir := c.Args().First()
	st, err := os.Stat(dir)
	if err != nil {
		return "", inputErr("", err)
	}
	if !st.IsDir() {
		return "", usageErr("%s is not a folder", dir)
	}
	return dir, nil
}

func capathAddCommand() *cli.Command {
	return &cli.Command{
		Name:      "add",
		Usage:     "copy CA certificates and CRLs into a CA folder and link them [cp + openssl rehash]",
		UsageText: "wsskit capath add [--copy] [--dry-run] [--json] DIR FILE...",
		Description: `Each FILE may be PEM or DER, a single certificate or CRL or a bundle; private keys
and other objects in it are left out. Every certificate and CRL becomes one PEM
file in DIR (a bundle chain.pem gives chain-1.pem, chain-2.pem; ca.der gives
ca.pem), existing files are never overwritten (a different file of the same name
makes ca-2.pem), certificates already in DIR are not copied twice, and DIR is
then rehashed like "wsskit capath rehash". DIR is created when missing (and
removed again if nothing could be added).

` + example(
			"wsskit capath add pki/ca partner-root.pem",
			"wsskit capath add pki/ca chain.pem ca.crl --json",
		),
		Flags:  rehashFlags(),
		Action: capathAddAction,
	}
}

func capathAddAction(c *cli.Context) error {
	e := envOf(c)
	o, err := rehashOptions(c)
	if err != nil {
		return err
	}
	undo := func() {}
	if c.NArg() >= 2 && !o.DryRun {
		if _, err := os.Stat(c.Args().First()); errors.Is(err, fs.ErrNotExist) {
			if undo, err = mkdirs(c.Args().First()); err != nil {
				return err
			}
		}
	}
	dir, err := capathDir(c, 2)
	if err != nil {
		undo()
		return err
	}
	res, err := pki.AddToCAPath(dir, c.Args().Slice()[1:], o)
	if err != nil {
		undo()
		return inputErr("", err)
	}
	return e.renderRehash(res, o)
}

func capathRehashCommand() *cli.Command {
	return &cli.Command{
		Name:      "rehash",
		Usage:     "link every certificate and CRL of a CA folder under its subject hash [openssl rehash -v]",
		UsageText: "wsskit capath rehash [--copy] [-n] [--dry-run] [--old|--compat] [--exact] [--json] DIR",
		Description: `Does what "openssl rehash -v DIR" does, with the same output: files ending in .pem,
.crt, .cer or .crl (any case) that hold exactly one certificate or CRL are linked
as HASH.N (certificates) or HASH.rN (CRLs) by relative symlinks, duplicates are
skipped, links that still fit are kept and stale ones removed. Lines "link FILE ->
NAME" and "unlink NAME" go to stdout, OpenSSL's warnings to stderr.

Unlike openssl rehash (unless --exact), a link to a file that is gone or no
longer has that hash is always removed, even when its number is low.

Windows: copies (regular files named HASH.N, which OpenSSL reads as well) are
written instead of symlinks; a copy whose content no longer matches is replaced.

Exit status: 0, or 3 when a file could not be read or linked, or holds only a
private key (the errors openssl rehash counts in its exit status).

` + example(
			"wsskit capath rehash pki/ca",
			"wsskit capath rehash --dry-run pki/ca",
			"wsskit capath rehash --copy pki/ca            # for a folder to use on Windows",
		),
		Flags:  rehashFlags(),
		Action: capathRehashAction,
	}
}

func capathRehashAction(c *cli.Context) error {
	e := envOf(c)
	dir, err := capathDir(c, 1)
	if err != nil {
		return err
	}
	if c.NArg() > 1 {
		return usageErr("capath rehash takes one DIR (got %d arguments)", c.NArg())
	}
	o, err := rehashOptions(c)
	if err != nil {
		return err
	}
	res, err := pki.Rehash(dir, o)
	if err != nil {
		return inputErr("", err)
	}
	return e.renderRehash(res, o)
}

// renderRehash prints a rehash result like openssl rehash -v (links on
// stdout, its warnings on stderr) or as JSON, and maps its error count to
// the exit status.
func (e *Env) renderRehash(res *pki.RehashResult, o pki.RehashOptions) error {
	var failed error
	if res.Errors > 0 {
		failed = silentExit(ExitInput)
	}
	if e.JSON {
		if res.Messages == nil {
			res.Messages = []string{}
		}
		if res.Skipped == nil {
			res.Skipped = []pki.RehashSkip{}
		}
		if res.Events == nil {
			res.Events = []pki.RehashEvent{}
		}
		if err := e.writeJSON(res); err != nil {
			return err
		}
		return failed
	}
	for _, a := range res.Added {
		if a.Present {
			e.Notef("%s: %s %s is already in the folder as %s", a.Source, a.Object.Type, a.Object.Subject, a.Name)
		} else {
			verb := "added"
			if o.DryRun {
				verb = "would add"
			}
			fmt.Fprintf(e.Stdout, "%s %s as %s (%s)\n", verb, a.Source, a.Name, a.Object.Subject)
		}
	}
	if e.Verbose {
		fmt.Fprintf(e.Stdout, "Doing %s\n", res.Dir)
	}
	for _, ev := range res.Events {
		fmt.Fprintln(e.Stdout, ev.String())
	}
	for _, m := range res.Messages {
		fmt.Fprintln(e.Stderr, "rehash: "+m)
	}
	if e.Verbose {
		for _, s := range res.Skipped {
			e.Notef("skipped %s: %s", s.File, s.Reason)
		}
	}
	kept := 0
	for _, ev := range res.Events {
		if ev.Kept {
			kept++
		}
	}
	what := "links"
	if o.Copy {
		what = "copies"
	}
	if o.DryRun {
		e.Notef("dry run: nothing changed (%d %s kept, %d to write, %d to remove)", kept, what, countNew(res), countUnlink(res))
	} else {
		e.Notef("%s: %d %s kept, %d written, %d removed, %d files skipped", res.Dir, kept, what, res.Created, res.Removed, len(res.Skipped))
	}
	if failed != nil {
		return withCode(ExitInput, fmt.Errorf("capath: %d problem(s) in %s (see the messages above)", res.Errors, res.Dir))
	}
	return nil
}

func countNew(r *pki.RehashResult) int {
	n := 0
	for _, ev := range r.Events {
		if !ev.Kept && !ev.Unlink {
			n++
		}
	}
	return n
}

func countUnlink(r *pki.RehashResult) int {
	n := 0
	for _, ev := range r.Events {
		if ev.Unlink {
			n++
		}
	}
	return n
}

func capathListCommand() *cli.Command {
	return &cli.Command{
		Name:      "list",
		Usage:     "list a CA folder and check it the way OpenSSL will read it",
		UsageText: "wsskit capath list [--json] DIR",
		Description: `Lists every entry of DIR with what it holds (subject, hash, validity) and reports
what would break or surprise OpenSSL: links whose name does not match their
content's hash (wrong_name), dangling links, entries never reached because a
lower number is missing (gap), duplicates, unreadable or DER files, files that
are no certificate, bundles, certificates without a link (not_linked), expired
certificates and CRLs, old-hash links and hash-like names OpenSSL never opens.

--json prints {"dir", "ok", "entries": [{"name", "kind", "target", "hash",
"number", "crl", "objects": [{"type", "subject", "hash", "hash_old", "sha1",
"not_before", "not_after", "is_ca", "go_parseable"}], "findings": [{"id",
"severity", "text"}]}]}.

Exit status: 0, or 1 when an error-level finding exists.

` + example(
			"wsskit capath list pki/ca",
			"wsskit capath list --json pki/ca | jq '.entries[].findings'",
		),
		Flags:  []cli.Flag{jsonFlag()},
		Action: capathListAction,
	}
}

func capathListAction(c *cli.Context) error {
	e := envOf(c)
	dir, err := capathDir(c, 1)
	if err != nil {
		return err
	}
	if c.NArg() > 1 {
		return usageErr("capath list takes one DIR (got %d arguments)", c.NArg())
	}
	rep, err := pki.ListCAPath(dir)
	if err != nil {
		return inputErr("", err)
	}
	bad := false
	for _, en := range rep.Entries {
		for _, f := range en.Findings {
			bad = bad || f.Severity == "error"
		}
	}
	if e.JSON {
		if rep.Entries == nil {
			rep.Entries = []pki.CAPathEntry{}
		}
		if err := e.writeJSON(struct {
			OK bool `json:"ok"`
			*pki.CAPathReport
		}{!bad, rep}); err != nil {
			return err
		}
	} else {
		printCAPathReport(e, e.Stdout, rep)
	}
	if bad {
		return checkFailed()
	}
	return nil
}

func printCAPathReport(e *Env, w io.Writer, rep *pki.CAPathReport) {
	red, yellow, green, dim := e.paint(w, colorRed), e.paint(w, colorYellow), e.paint(w, colorGreen), e.paint(w, colorDim)
	counts := map[string]int{}
	for _, en := range rep.Entries {
		name := en.Name
		if en.Target != "" {
			name += " -> " + en.Target
		}
		var desc []string
		for _, o := range en.Objects {
			d := o.Type + " " + o.Subject
			if o.Hash != "" {
				d += " [" + o.Hash + "]"
			}
			if !o.NotAfter.IsZero() {
				d += ", until " + o.NotAfter.UTC().Format("2006-01-02")
			}
			desc = append(desc, d)
		}
		if en.Kind == "dir" {
			desc = append(desc, "folder")
		}
		line := name
		if len(desc) > 0 {
			line += "  " + dim(strings.Join(desc, "; "))
		}
		fmt.Fprintln(w, line)
		for _, f := range en.Findings {
			counts[f.Severity]++
			label := map[string]func(string) string{"error": red, "warning": yellow, "info": dim}[f.Severity](f.Severity)
			fmt.Fprintf(w, "  %s [%s] %s\n", label, f.ID, f.Text)
		}
	}
	if counts["error"]+counts["warning"] == 0 {
		fmt.Fprintf(w, "%s %s: %d entries, no problems\n", green("OK"), rep.Dir, len(rep.Entries))
		return
	}
	fmt.Fprintf(w, "%s: %d entries, %d errors, %d warnings\n", rep.Dir, len(rep.Entries), counts["error"], counts["warning"])
	if counts["error"] > 0 {
		fmt.Fprintf(w, "fix: wsskit capath rehash %s\n", rep.Dir)
	}
}
