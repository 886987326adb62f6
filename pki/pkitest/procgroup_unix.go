//go:build unix

package pkitest

import (
	"os/exec"
	"syscall"
)

// SetProcessGroup makes cmd lead a process group of its own, so that
// KillProcessGroup also ends the children it starts.
func SetProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// KillProcessGroup kills the process group the command leads.
func KillProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
}
