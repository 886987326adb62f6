package commands

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// The completion scripts ask wsskit itself for candidates with urfave/cli's
// hidden --generate-bash-completion flag (which must stay the last argument;
// reorderArgs leaves such command lines alone).

const bashCompletion = `# bash completion for wsskit; load with: source <(wsskit completion bash)
_wsskit_complete() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local -a words=("${COMP_WORDS[@]:0:COMP_CWORD}")
  local opts
  if [[ "$cur" == -* ]]; then
    opts=$("${words[@]}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${words[@]}" --generate-bash-completion 2>/dev/null)
  fi
  if [[ -z "$opts" ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  fi
}
complete -o default -o bashdefault -F _wsskit_complete wsskit
`

const zshCompletion = `#compdef wsskit
# zsh completion for wsskit; load with: source <(wsskit completion zsh)
_wsskit() {
  local -a opts
  local cur=${words[CURRENT]}
  if [[ "$cur" == -* ]]; then
    opts=("${(@f)$(${words[@]:0:CURRENT-1} $cur --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:CURRENT-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ -n "${opts[1]}" ]]; then
    _describe 'wsskit' opts
  else
    _files
  fi
}
if [[ "$funcstack[1]" == "_wsskit" ]]; then _wsskit "$@"; else compdef _wsskit wsskit; fi
`

func completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Category:  catOther,
		Usage:     "print a shell completion script (bash, zsh or fish)",
		UsageText: "wsskit completion bash|zsh|fish",
		Description: example(
			"source <(wsskit completion bash)                       # this shell",
			"wsskit completion bash > /etc/bash_completion.d/wsskit",
			"wsskit completion zsh > \"${fpath[1]}/_wsskit\"",
			"wsskit completion fish > ~/.config/fish/completions/wsskit.fish",
		),
		Action: func(c *cli.Context) error {
			e := envOf(c)
			if c.NArg() != 1 {
				return usageErr("give one shell: bash, zsh or fish")
			}
			switch shell := strings.ToLower(c.Args().First()); shell {
			case "bash":
				fmt.Fprint(e.Stdout, bashCompletion)
			case "zsh":
				fmt.Fprint(e.Stdout, zshCompletion)
			case "fish":
				s, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				fmt.Fprint(e.Stdout, s)
			default:
				return usageErr("unknown shell %q (want bash, zsh or fish)", shell)
			}
			return nil
		},
	}
}
