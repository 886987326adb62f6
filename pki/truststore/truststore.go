package truststore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// Kind names a group of stores as the command line does.
type Kind string

// The store kinds. System means the OS's own store: the Linux system
// bundle, the macOS System keychain or the Windows ROOT store.
const (
	System Kind = "system"
	NSS    Kind = "nss"
	Java   Kind = "java"
)

// AllKinds lists every kind, in the order stores are handled.
var AllKinds = []Kind{System, NSS, Java}

// ParseKinds reads --store values: kinds separated by commas or given
// repeatedly. "all" (or no value) returns nil, which means every store
// that exists here.
func ParseKinds(values []string) ([]Kind, error) {
	var out []Kind
	all := len(values) == 0
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			switch Kind(s) {
			case System, NSS, Java:
				if !hasKind(out, Kind(s)) {
					out = append(out, Kind(s))
				}
			default:
				if s == "all" {
					all = true
					continue
				}
				return nil, fmt.Errorf("truststore: unknown store %q (want system, nss, java or all)", s)
			}
		}
	}
	if all {
		return nil, nil
	}
	return out, nil
}

func hasKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

// Options says which stores to use and how to reach them. The zero value
// means: every store that exists on this machine, the real file system and
// home folder, the real tools.
type Options struct {
	// Stores lists the kinds to handle; nil means all that exist here. A
	// kind named explicitly that is unavailable (no tool, no store) is a
	// failure; under "all" it is skipped with the reason.
	Stores []Kind
	// DryRun looks at every store and plans, but changes nothing.
	DryRun bool

	// Root is prefixed to every path of the Linux system store, so an image
	// or a test tree can be changed instead of the running system
	// (default "/"). With another root, Debian's update-ca-certificates is
	// pointed at the tree with its --certsconf/--certsdir/--localcertsdir/
	// --etccertsdir/--hooksdir flags; other refresh commands run under
	// chroot.
	Root string
	// Home is the home folder whose NSS databases are used (default: the
	// user's home).
	Home string
	// NSSDBs replaces NSS database discovery: folders ("sql:" prefix
	// optional) to use instead of the home folder's.
	NSSDBs []string
	// CreateNSSDB creates Chromium's database (~/.pki/nssdb, Linux) when
	// installing into NSS and it does not exist yet.
	CreateNSSDB bool

	// JavaHome selects the JDK whose keytool and cacerts are used
	// (default: keytool on PATH, and its JDK's cacerts).
	JavaHome string
	// JavaKeystore is a keystore file to use instead of the JDK's cacerts.
	// Install creates it (PKCS#12) when it does not exist.
	JavaKeystore string
	// JavaStorepass is the keystore password (default "changeit", the
	// JDK's). It reaches keytool through the environment, never argv.
	JavaStorepass string

	// CAFile is a file holding exactly the CA (PEM or DER) to hand to the
	// tools and show in plans. When empty, a temporary PEM copy is written
	// for the duration of the call.
	CAFile string

	// GOOS selects the platform's stores (default runtime.GOOS).
	GOOS string
	// Runner runs external commands (default ExecRunner).
	Runner Runner
	// LookPath finds programs (default exec.LookPath).
	LookPath func(string) (string, error)
	// Privileged reports whether this process may write system stores
	// (default: effective uid 0; always true on Windows, where the tools
	// themselves report a missing elevation).
	Privileged func() bool
	// CommandTimeout bounds each external command (default 2 minutes:
	// Debian's refresh runs the Java and Mono hooks).
	CommandTimeout time.Duration
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.Root == "" {
		o.Root = "/"
	}
	if o.GOOS == "" {
		o.GOOS = runtime.GOOS
	}
	if o.Home == "" {
		o.Home, _ = os.UserHomeDir() // no home: NSS discovery finds nothing and says so
	}
	if o.JavaStorepass == "" {
		o.JavaStorepass = "changeit"
	}
	if o.Runner == nil {
		o.Runner = ExecRunner{}
	}
	if o.LookPath == nil {
		o.LookPath = exec.LookPath
	}
	if o.Privileged == nil {
		goos := o.GOOS
		o.Privileged = func() bool { return goos == "windows" || os.Geteuid() == 0 }
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 2 * time.Minute
	}
	return o
}

// Op is the operation a Report describes.
type Op string

// The operations.
const (
	OpInstall   Op = "install"
	OpUninstall Op = "uninstall"
	OpList      Op = "list"
)

// Status is the outcome for one store.
type Status string

// The statuses of a Result.
const (
	StatusAdded     Status = "added"     // install changed the store
	StatusRemoved   Status = "removed"   // uninstall changed the store
	StatusUnchanged Status = "unchanged" // nothing to do: already there (install) or not there (uninstall)
	StatusPlanned   Status = "planned"   // dry run: Actions would be carried out
	StatusPresent   Status = "present"   // list: the store holds the CA
	StatusAbsent    Status = "absent"    // list: it does not
	StatusSkipped   Status = "skipped"   // the store is unavailable and was not asked for by name
	StatusNeedsRoot Status = "needs_root"
	StatusFailed    Status = "failed"
)

// Result is what happened in one store (one NSS database, one keystore...).
type Result struct {
	Store Kind `json:"store"`
	// Target names the store: "sql:/home/u/.pki/nssdb", a keystore path,
	// "debian:/usr/local/share/ca-certificates".
	Target string `json:"target"`
	// Description is the store in words: "NSS db sql:/home/u/.pki/nssdb
	// (Chromium)", "Debian/Ubuntu system store".
	Description string `json:"description"`
	// Label is the name wsskit uses for the CA there (nickname, alias or
	// anchor file).
	Label  string `json:"label,omitempty"`
	Status Status `json:"status"`
	// Present reports whether the store holds the CA under any label after
	// the operation (what it would be after a dry run; now, for list).
	Present bool `json:"present"`
	// Trusted reports that the store trusts the CA for TLS servers
	// (Present alone may be an untrusted copy, e.g. NSS trust ",,").
	Trusted bool `json:"trusted"`
	// HeldAs lists other labels or files holding the CA that wsskit did
	// not make; uninstall leaves them alone.
	HeldAs []string `json:"held_as,omitempty"`
	// Actions are the steps carried out, or planned under a dry run.
	Actions []Action `json:"actions,omitempty"`
	// Message says in one sentence what happened.
	Message string `json:"message"`
	// Notes add what the user should know (a hook that also ran, a copy
	// left in place).
	Notes []string `json:"notes,omitempty"`
	// Err is set for StatusFailed, StatusNeedsRoot and StatusSkipped.
	Err error `json:"-"`
}

// Report is the outcome of Install, Uninstall or List.
type Report struct {
	Op     Op   `json:"operation"`
	DryRun bool `json:"dry_run"`
	// CA is the certificate operated on (nil for List without a CA).
	CA *CA `json:"-"`
	// Results has one entry per store looked at.
	Results []Result `json:"stores"`
	// Installed lists the CAs found under wsskit labels (List without a CA).
	Installed []Entry `json:"installed,omitempty"`
	// Warnings are about the CA itself (not self-signed, expired).
	Warnings []string `json:"warnings,omitempty"`
}

// Failed returns the results that failed or need root.
func (r *Report) Failed() []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Status == StatusFailed || x.Status == StatusNeedsRoot {
			out = append(out, x)
		}
	}
	return out
}

// Install puts ca into every selected store that does not hold it yet.
func Install(ctx context.Context, ca *CA, opts Options) (*Report, error) {
	return do(ctx, OpInstall, ca, opts)
}

// Uninstall removes what wsskit added for ca from every selected store.
// Copies of the CA that wsskit did not add are left in place and reported
// in Result.HeldAs.
func Uninstall(ctx context.Context, ca *CA, opts Options) (*Report, error) {
	return do(ctx, OpUninstall, ca, opts)
}

// List reports which selected stores hold ca, or, with a nil ca, every CA
// found in them under a wsskit label.
func List(ctx context.Context, ca *CA, opts Options) (*Report, error) {
	return do(ctx, OpList, ca, opts)
}

func do(ctx context.Context, op Op, ca *CA, opts Options) (*Report, error) {
	if ca == nil && op != OpList {
		return nil, errors.New("truststore: no CA given")
	}
	o := opts.withDefaults()
	rep := &Report{Op: op, DryRun: o.DryRun && op != OpList, CA: ca}
	if ca != nil {
		rep.Warnings = caWarnings(ca)
		if o.CAFile == "" && op != OpList {
			dir, err := os.MkdirTemp("", "wsskit-trust-")
			if err != nil {
				return nil, fmt.Errorf("truststore: temporary CA file: %w", err)
			}
			defer os.RemoveAll(dir)
			o.CAFile = dir + string(os.PathSeparator) + "ca.pem"
			if err := os.WriteFile(o.CAFile, ca.PEM, 0o644); err != nil {
				return nil, fmt.Errorf("truststore: temporary CA file: %w", err)
			}
		}
	}
	for _, k := range AllKinds {
		explicit := hasKind(o.Stores, k)
		if o.Stores != nil && !explicit {
			continue
		}
		targets, err := o.targets(k, op)
		if err != nil {
			rep.Results = append(rep.Results, unavailable(k, err, explicit && (op == OpInstall || !noStore(err))))
			continue
		}
		if len(targets) == 0 && explicit {
			rep.Results = append(rep.Results, unavailable(k, fmt.Errorf("truststore: no %s store found", k), true))
		}
		for _, t := range targets {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if ca == nil {
				rep.Results = append(rep.Results, o.listInstalled(ctx, t, rep))
				continue
			}
			rep.Results = append(rep.Results, o.handle(ctx, op, t, ca))
		}
	}
	return rep, nil
}

// noStore reports that the store does not exist here, which only install
// must treat as a failure: there is nothing to list or remove.
func noStore(err error) bool {
	return errors.Is(err, ErrNoNSSDB) || errors.Is(err, ErrNoSystemStore)
}

// unavailable is the result for a store kind that cannot be used here.
func unavailable(k Kind, err error, explicit bool) Result {
	st := StatusSkipped
	if explicit {
		st = StatusFailed
	}
	var tm *ToolMissingError
	msg := strings.TrimPrefix(err.Error(), "truststore: ")
	if errors.As(err, &tm) {
		msg = fmt.Sprintf("%s not found; install it: %s", tm.Tool, tm.Install)
	}
	return Result{Store: k, Target: string(k), Description: string(k) + " store", Status: st, Message: msg, Err: err}
}

// holding is what a store holds of the CA.
type holding struct {
	ours    bool     // under wsskit's label
	trusted bool     // trusted for TLS servers, under any label
	others  []string // other labels or files holding it
}

func (h *holding) present() bool { return h.ours || len(h.others) > 0 }

// target is one concrete store: a database, a keystore, a folder.
type target interface {
	kind() Kind
	name() string        // Result.Target
	description() string // Result.Description
	label(ca *CA) string // the wsskit label, as shown
	check(ctx context.Context, ca *CA) (*holding, error)
	plan(op Op, ca *CA, h *holding) ([]Action, error)
	installed(ctx context.Context) ([]Entry, error)
}

// noter is a target with something to say about a change it made (hooks
// that ran along).
type noter interface {
	notes(op Op) []string
}

// handle runs one operation on one target: look, plan, act, look again.
func (o *Options) handle(ctx context.Context, op Op, t target, ca *CA) Result {
	r := Result{Store: t.kind(), Target: t.name(), Description: t.description(), Label: t.label(ca)}
	fail := func(err error) Result {
		r.Status, r.Err = StatusFailed, err
		r.Message = "failed: " + strings.TrimPrefix(err.Error(), "truststore: ")
		return r
	}
	h, err := t.check(ctx, ca)
	if err != nil {
		return fail(err)
	}
	r.setHolding(h)
	if op == OpList {
		r.Status = StatusAbsent
		if h.present() {
			r.Status = StatusPresent
		}
		r.Message = r.listMessage(h)
		return r
	}
	plan, err := t.plan(op, ca, h)
	if err != nil {
		return fail(err)
	}
	r.Actions = plan
	if len(plan) == 0 {
		r.Status = StatusUnchanged
		r.Message = r.unchangedMessage(op, h)
		r.Notes = append(r.Notes, leftNotes(op, h)...)
		return r
	}
	if o.DryRun {
		if n, ok := t.(noter); ok {
			r.Notes = append(r.Notes, n.notes(op)...)
		}
		r.Status = StatusPlanned
		r.Present = op == OpInstall || len(h.others) > 0
		r.Message = r.plannedMessage(op)
		return r
	}
	var needRoot []Action
	for _, a := range plan {
		if a.NeedsRoot {
			needRoot = append(needRoot, a)
		}
	}
	if len(needRoot) > 0 && !o.Privileged() {
		err := &NeedsRootError{Store: t.kind(), Target: t.description(), Actions: needRoot}
		r.Status, r.Err = StatusNeedsRoot, err
		r.Message = "changing " + t.description() + " needs root; nothing was changed there"
		return r
	}
	if err := o.execute(ctx, plan); err != nil {
		return fail(err)
	}
	after, err := t.check(ctx, ca)
	if err != nil {
		return fail(fmt.Errorf("truststore: checking %s after the change: %w", t.description(), err))
	}
	r.setHolding(after)
	switch {
	case op == OpInstall && !(after.present() && after.trusted):
		return fail(fmt.Errorf("%w: %s does not trust %s", ErrNotApplied, t.description(), ca.Name))
	case op == OpUninstall && after.ours:
		return fail(fmt.Errorf("%w: %s still holds %s", ErrNotApplied, t.description(), r.Label))
	}
	if n, ok := t.(noter); ok {
		r.Notes = append(r.Notes, n.notes(op)...)
	}
	if op == OpInstall {
		r.Status = StatusAdded
		r.Message = "added to " + t.description() + " as " + quoteLabel(r.Label)
		if !after.ours && len(after.others) > 0 {
			r.Message = fmt.Sprintf("%s already held it as %s; now trusted", t.description(), quoteLabel(after.others[0]))
		}
	} else {
		r.Status = StatusRemoved
		r.Message = "removed " + quoteLabel(r.Label) + " from " + t.description()
		r.Notes = append(r.Notes, leftNotes(op, after)...)
	}
	return r
}

func (r *Result) setHolding(h *holding) {
	r.Present, r.Trusted, r.HeldAs = h.present(), h.trusted, h.others
}

func quoteLabel(s string) string { return "'" + s + "'" }

func (r *Result) listMessage(h *holding) string {
	switch {
	case h.ours:
		return fmt.Sprintf("in %s as %s%s", r.Description, quoteLabel(r.Label), trustWord(h))
	case len(h.others) > 0:
		return fmt.Sprintf("in %s as %s (not added by wsskit)%s", r.Description, quoteLabel(h.others[0]), trustWord(h))
	}
	return "not in " + r.Description
}

func trustWord(h *holding) string {
	if h.trusted {
		return ""
	}
	return ", but not trusted for TLS servers"
}

func (r *Result) unchangedMessage(op Op, h *holding) string {
	if op == OpInstall {
		if h.ours {
			return fmt.Sprintf("already in %s as %s: nothing to do", r.Description, quoteLabel(r.Label))
		}
		return fmt.Sprintf("already trusted by %s as %s (not added by wsskit): nothing to do", r.Description, quoteLabel(h.others[0]))
	}
	return fmt.Sprintf("%s does not hold %s: nothing to remove", r.Description, quoteLabel(r.Label))
}

func leftNotes(op Op, h *holding) []string {
	if op != OpUninstall {
		return nil
	}
	var notes []string
	for _, other := range h.others {
		notes = append(notes, fmt.Sprintf("still held as %s, which wsskit did not add: remove it yourself if you mean to", quoteLabel(other)))
	}
	return notes
}

func (r *Result) plannedMessage(op Op) string {
	if op == OpInstall {
		return "would add to " + r.Description + " as " + quoteLabel(r.Label)
	}
	return "would remove " + quoteLabel(r.Label) + " from " + r.Description
}

// listInstalled is List without a CA for one target.
func (o *Options) listInstalled(ctx context.Context, t target, rep *Report) Result {
	r := Result{Store: t.kind(), Target: t.name(), Description: t.description()}
	entries, err := t.installed(ctx)
	if err != nil {
		r.Status, r.Err = StatusFailed, err
		if errors.Is(err, errNoInventory) {
			r.Status = StatusSkipped
		}
		r.Message = strings.TrimPrefix(err.Error(), "truststore: ")
		return r
	}
	rep.Installed = append(rep.Installed, entries...)
	r.Status = StatusAbsent
	r.Message = "no CA added by wsskit in " + t.description()
	if len(entries) > 0 {
		r.Status, r.Present = StatusPresent, true
		r.Message = fmt.Sprintf("%d CA(s) added by wsskit in %s", len(entries), t.description())
	}
	return r
}

// errNoInventory is returned by stores that cannot tell which CAs wsskit
// added without being given one (the macOS keychain, the Windows ROOT store).
var errNoInventory = errors.New("truststore: this store cannot list what wsskit added; give --ca to check one CA")

// targets returns the concrete stores of a kind on this platform.
func (o *Options) targets(k Kind, op Op) ([]target, error) {
	switch k {
	case System:
		return o.systemTargets()
	case NSS:
		return o.nssTargets(op)
	case Java:
		return o.javaTargets()
	}
	return nil, fmt.Errorf("truststore: unknown store %q", k)
}

func (o *Options) systemTargets() ([]target, error) {
	switch o.GOOS {
	case "linux":
		t, err := o.linuxSystem()
		if err != nil {
			return nil, err
		}
		return []target{t}, nil
	case "darwin":
		return []target{&keychainTarget{o: o}}, nil
	case "windows":
		return []target{&windowsTarget{o: o}}, nil
	}
	return nil, fmt.Errorf("truststore: no system store support on %s", o.GOOS)
}

// caWarnings are things about the CA a user should hear before trusting it.
func caWarnings(ca *CA) []string {
	var w []string
	c := ca.Cert
	if string(c.RawIssuer) != string(c.RawSubject) || c.CheckSignatureFrom(c) != nil {
		w = append(w, fmt.Sprintf("%s is not self-signed (issued by %s): OpenSSL-based clients accept an intermediate as a trust anchor only with partial-chain verification", ca.Name, c.Issuer))
	}
	now := time.Now()
	if now.After(c.NotAfter) {
		w = append(w, fmt.Sprintf("%s expired on %s: clients will reject what it signed anyway", ca.Name, c.NotAfter.UTC().Format(time.DateOnly)))
	} else if now.Before(c.NotBefore) {
		w = append(w, fmt.Sprintf("%s is not valid before %s", ca.Name, c.NotBefore.UTC().Format(time.DateOnly)))
	}
	return w
}

// writable reports whether this process may write at a path; tests replace
// it to see plans as an unprivileged user would (they run as root in CI
// containers, where access(2) allows everything).
var writable = canWrite
