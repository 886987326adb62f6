// Command wsskit makes test PKIs, checks them the way OpenSSL-based peers do,
// runs wss:// echo servers and explains failing wss:// handshakes.
package main

import (
	"os"

	"github.com/wsskit/wsskit/commands"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	commands.Version = version
	os.Exit(commands.Run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
