package commands

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestReorderArgs(t *testing.T) {
	app := &cli.App{
		Flags: []cli.Flag{&cli.BoolFlag{Name: "no-color"}, &cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}}},
		Commands: []*cli.Command{
			{Name: "verify", Flags: []cli.Flag{&cli.StringFlag{Name: "capath"}, &cli.BoolFlag{Name: "json"}}},
			{Name: "client", Aliases: []string{"s_client"}, Flags: []cli.Flag{&cli.StringSliceFlag{Name: "send"}}},
			{Name: "cert", Subcommands: []*cli.Command{{Name: "new", Flags: []cli.Flag{&cli.StringFlag{Name: "subject"}}}}},
		},
	}
	tests := []struct{ in, want string }{
		{"verify client.pem --capath ca/", "verify --capath ca/ -- client.pem"},
		{"verify --capath ca/ client.pem", "verify --capath ca/ -- client.pem"},
		{"verify a.pem --json b.pem --capath=ca", "verify --json --capath=ca -- a.pem b.pem"},
		{"verify a.pem --no-color", "--no-color verify -- a.pem"},
		{"-v verify a.pem", "-v verify -- a.pem"},
		{"s_client wss://x --send hi --send -dash", "s_client --send hi --send -dash -- wss://x"},
		{"cert new --subject /CN=x", "cert new --subject /CN=x"},
		{"verify -- -weird.pem --capath", "verify -- -weird.pem --capath"},
		{"verify a.pem --unknown", "verify --unknown -- a.pem"},
		{"verify - --capath d", "verify --capath d -- -"},
		{"verify a.pem --help", "verify --help -- a.pem"},
		{"nosuch a --b", "nosuch a --b"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := reorderArgs(app, append([]string{"wsskit"}, strings.Fields(tt.in)...))
			if g := strings.Join(got[1:], " "); g != tt.want {
				t.Errorf("reorderArgs(%q) = %q, want %q", tt.in, g, tt.want)
			}
		})
	}
}
