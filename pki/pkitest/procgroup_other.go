//go:build !unix

package pkitest

import "os/exec"

// SetProcessGroup does nothing where process groups do not exist.
func SetProcessGroup(*exec.Cmd) {}

// KillProcessGroup kills the command's process.
func KillProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
