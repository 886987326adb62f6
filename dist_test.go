package main

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestMakeDist runs `make dist` (issue 6: static binaries for Linux, macOS
// and Windows on amd64 and arm64, in CI) into a temporary folder and opens
// each binary as the executable format and architecture its name says, with
// the version stamped in and, for Linux, no dynamic loader.
func TestMakeDist(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds six binaries")
	}
	if runtime.GOOS == "windows" {
		t.Skip("the Makefile needs a POSIX shell")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make not installed")
	}
	dir := t.TempDir()
	const version = "v0.0.0-disttest"
	out, err := exec.Command("make", "dist", "DISTDIR="+dir, "VERSION="+version).CombinedOutput()
	if err != nil {
		t.Fatalf("make dist: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		open func(string) (string, error) // returns the architecture
		arch string
	}{
		{"wsskit-linux-amd64", elfArch, "EM_X86_64"},
		{"wsskit-linux-arm64", elfArch, "EM_AARCH64"},
		{"wsskit-darwin-amd64", machoArch, "CpuAmd64"},
		{"wsskit-darwin-arm64", machoArch, "CpuArm64"},
		{"wsskit-windows-amd64.exe", peArch, "amd64"},
		{"wsskit-windows-arm64.exe", peArch, "arm64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			arch, err := tt.open(path)
			if err != nil {
				t.Fatal(err)
			}
			if arch != tt.arch {
				t.Errorf("architecture %s, want %s", arch, tt.arch)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(version)) {
				t.Errorf("the version %q is not stamped into the binary", version)
			}
		})
	}
	// The Linux binary of this machine's architecture runs and says its version.
	native := filepath.Join(dir, "wsskit-linux-"+runtime.GOARCH)
	if runtime.GOOS == "linux" && (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") {
		v, err := exec.Command(native, "version").CombinedOutput()
		if err != nil || !bytes.Contains(v, []byte(version)) {
			t.Errorf("%s version: %v\n%s", native, err, v)
		}
	}
}

func elfArch(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return "", fmt.Errorf("%s is dynamically linked (has an ELF interpreter)", path)
		}
	}
	return f.Machine.String(), nil
}

func machoArch(path string) (string, error) {
	f, err := macho.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return f.Cpu.String(), nil
}

func peArch(path string) (string, error) {
	f, err := pe.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	switch f.Machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		return "amd64", nil
	case pe.IMAGE_FILE_MACHINE_ARM64:
		return "arm64", nil
	}
	return "", fmt.Errorf("%s: PE machine %#x", path, f.Machine)
}
