package commands

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/urfave/cli/v2"
)

// buildInfo is what `wsskit version` reports.
type buildInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Commit    string `json:"commit,omitempty"`
	CommitAt  string `json:"commit_time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	Module    string `json:"module"`
}

func readBuildInfo() buildInfo {
	bi := buildInfo{Version: Version, GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, Module: "github.com/wsskit/wsskit"}
	if info, ok := debug.ReadBuildInfo(); ok {
		if bi.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			bi.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				bi.Commit = s.Value
			case "vcs.time":
				bi.CommitAt = s.Value
			case "vcs.modified":
				bi.Modified = s.Value == "true"
			}
		}
	}
	if bi.Version == "" {
		bi.Version = "dev"
	}
	return bi
}

func versionString() string {
	bi := readBuildInfo()
	return fmt.Sprintf("%s (%s, %s/%s)", bi.Version, bi.GoVersion, bi.OS, bi.Arch)
}

func versionCommand() *cli.Command {
	return &cli.Command{
		Name:        "version",
		Category:    catOther,
		Usage:       "print version and build information",
		Description: example("wsskit version", "wsskit version --json"),
		Flags:       []cli.Flag{jsonFlag()},
		Action: func(c *cli.Context) error {
			e := envOf(c)
			if err := noArgs(c); err != nil {
				return err
			}
			bi := readBuildInfo()
			if e.JSON {
				return e.writeJSON(bi)
			}
			fmt.Fprintf(e.Stdout, "wsskit %s\n", bi.Version)
			fmt.Fprintf(e.Stdout, "go:     %s %s/%s\n", bi.GoVersion, bi.OS, bi.Arch)
			if bi.Commit != "" {
				mod := ""
				if bi.Modified {
					mod = " (modified)"
				}
				fmt.Fprintf(e.Stdout, "commit: %s %s%s\n", bi.Commit, bi.CommitAt, mod)
			}
			return nil
		},
	}
}
