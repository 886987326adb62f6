package truststore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ActionKind says what an Action does.
type ActionKind string

// The kinds of Action.
const (
	ActWrite  ActionKind = "write"  // write Data to Path (atomically, Mode)
	ActRemove ActionKind = "remove" // remove the file Path
	ActMkdir  ActionKind = "mkdir"  // create the folder Path (and parents)
	ActRun    ActionKind = "run"    // run the command Argv
)

// Action is one step of a plan: a file to write or remove, or a command to
// run. Plans are shown under --dry-run and reported after a real run.
type Action struct {
	Kind ActionKind
	// Path is the file or folder written, removed or created.
	Path string
	// Argv is the command line of ActRun; Argv[0] is the program.
	Argv []string
	// Env holds extra KEY=VALUE pairs for the command. Values may be
	// secret (a keystore password): String shows only the names.
	Env []string
	// Data and Mode are what ActWrite writes.
	Data []byte
	Mode fs.FileMode
	// NeedsRoot reports that the step needs root (or Administrator): it
	// writes where this process may not.
	NeedsRoot bool
	// Why says in a few words what the step is for.
	Why string
}

// String renders the action as a line a user could type: a shell command
// for ActRun (arguments quoted where needed), "write PATH (0644)",
// "remove PATH", "mkdir PATH".
func (a Action) String() string {
	switch a.Kind {
	case ActWrite:
		return fmt.Sprintf("write %s (%04o)", shellQuote(a.Path), a.Mode.Perm())
	case ActRemove:
		return "remove " + shellQuote(a.Path)
	case ActMkdir:
		return "mkdir " + shellQuote(a.Path)
	}
	var parts []string
	for _, kv := range a.Env {
		name, _, _ := strings.Cut(kv, "=")
		parts = append(parts, name+"=…")
	}
	for _, s := range a.Argv {
		parts = append(parts, shellQuote(s))
	}
	return strings.Join(parts, " ")
}

// MarshalJSON writes the action as {"kind","path","argv","text","needs_root","why"}.
func (a Action) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Kind      ActionKind `json:"kind"`
		Path      string     `json:"path,omitempty"`
		Argv      []string   `json:"argv,omitempty"`
		Text      string     `json:"text"`
		NeedsRoot bool       `json:"needs_root"`
		Why       string     `json:"why,omitempty"`
	}{a.Kind, a.Path, a.Argv, a.String(), a.NeedsRoot, a.Why})
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe
// characters.
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Runner runs an external command and returns what it wrote. A non-nil
// error means it could not be started or exited non-zero.
type Runner interface {
	Run(ctx context.Context, argv, env []string) (stdout, stderr []byte, err error)
}

// ExecRunner runs commands with os/exec, adding env to the process
// environment.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, argv, env []string) ([]byte, []byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 2 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	return out.Bytes(), errOut.Bytes(), err
}

// ToolError is an external command that failed.
type ToolError struct {
	Argv   []string
	Stderr string // the last lines it wrote (stderr, else stdout)
	Err    error  // *exec.ExitError, exec.ErrNotFound, context.DeadlineExceeded...
}

func (e *ToolError) Error() string {
	cmd := Action{Kind: ActRun, Argv: e.Argv}.String()
	if e.Stderr != "" {
		return fmt.Sprintf("truststore: %s: %v: %s", cmd, e.Err, e.Stderr)
	}
	return fmt.Sprintf("truststore: %s: %v", cmd, e.Err)
}

func (e *ToolError) Unwrap() error { return e.Err }

// tail returns the last non-empty lines of out (at most 3), joined by "; ".
func tail(out []byte) string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 3 {
		lines = lines[len(lines)-3:]
	}
	return strings.Join(lines, "; ")
}

// ToolMissingError says that a program a store needs is not installed, and
// how to get it.
type ToolMissingError struct {
	Tool    string // "certutil"
	Store   Kind
	Install string // "apt install libnss3-tools (Debian/Ubuntu), ..."
}

func (e *ToolMissingError) Error() string {
	return fmt.Sprintf("truststore: %s not found (needed for the %s store); install it: %s", e.Tool, e.Store, e.Install)
}

// NeedsRootError is reported for a store whose plan has steps this process
// may not carry out. Nothing was changed in that store.
type NeedsRootError struct {
	Store   Kind
	Target  string
	Actions []Action // the steps that need root
}

func (e *NeedsRootError) Error() string {
	var what []string
	for _, a := range e.Actions {
		what = append(what, a.String())
	}
	return fmt.Sprintf("truststore: changing %s needs root for: %s", e.Target, strings.Join(what, "; "))
}

// ErrNotApplied is wrapped when the store, looked at again after the plan
// ran, does not show the change.
var ErrNotApplied = errors.New("truststore: change not visible after running the plan")

// run runs a command through the runner with a timeout and wraps a failure
// in a ToolError.
func (o *Options) run(ctx context.Context, argv, env []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, o.CommandTimeout)
	defer cancel()
	out, errOut, err := o.Runner.Run(ctx, argv, env)
	if err != nil {
		msg := tail(errOut)
		if msg == "" {
			msg = tail(out)
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (after %s)", ctx.Err(), o.CommandTimeout)
		}
		return out, &ToolError{Argv: argv, Stderr: msg, Err: err}
	}
	return out, nil
}

// execute carries out a plan. When a step fails, files written earlier in
// the same plan are removed again, so a store is never left with an anchor
// file that its refresh command did not take in.
func (o *Options) execute(ctx context.Context, plan []Action) error {
	var written []string
	undo := func() {
		for i := len(written) - 1; i >= 0; i-- {
			os.Remove(written[i]) // best effort: the step's own error is what we report
		}
	}
	for _, a := range plan {
		var err error
		switch a.Kind {
		case ActWrite:
			err = writeAtomic(a.Path, a.Data, a.Mode)
			if err == nil {
				written = append(written, a.Path)
			}
		case ActRemove:
			err = os.Remove(a.Path)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		case ActMkdir:
			err = os.MkdirAll(a.Path, a.Mode|0o700)
		case ActRun:
			_, err = o.run(ctx, a.Argv, a.Env)
		default:
			err = fmt.Errorf("truststore: unknown action %q", a.Kind)
		}
		if err != nil {
			undo()
			return err
		}
	}
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// folder, created with the final mode and renamed into place.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".wsskit-*.tmp")
	if err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(mode); err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("truststore: writing %s: %w", path, err)
	}
	ok = true
	return nil
}
