import { Argument, type Command, type Option } from 'commander';
import type { CliDeps } from '../context';

/** One node of the command tree: its path (`certs bulk-renew`), subcommands and long options. */
export interface CompletionNode {
  path: string;
  commands: string[];
  options: string[];
}

const longFlags = (options: readonly Option[]) => options.map((option) => option.long).filter((flag): flag is string => Boolean(flag));

/** Every command path of `program` with what may follow it. */
export function completionTree(program: Command, path = ''): CompletionNode[] {
  const node = { path, commands: program.commands.map((command) => command.name()), options: [...longFlags(program.options), '--help'] };
  return [node, ...program.commands.flatMap((command) => completionTree(command, path ? `${path} ${command.name()}` : command.name()))];
}

function bashScript(nodes: CompletionNode[]): string {
  const cases = nodes.map((node) => `    "${node.path}") echo "${[...node.commands, ...node.options].join(' ')}" ;;`).join('\n');
  return `# certctl completion for bash: source <(certctl completion bash)
_certctl_words() {
  case "$1" in
${cases}
  esac
}
_certctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    if [[ "$word" != -* ]] && [[ " $(_certctl_words "$path") " == *" $word "* ]]; then path="\${path:+$path }$word"; fi
  done
  COMPREPLY=($(compgen -W "$(_certctl_words "$path")" -- "$cur"))
}
complete -F _certctl certctl
`;
}

function zshScript(nodes: CompletionNode[]): string {
  return `#compdef certctl
# certctl completion for zsh: source <(certctl completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bashScript(nodes)}`;
}

function fishScript(nodes: CompletionNode[]): string {
  const lines = [
    '# certctl completion for fish: certctl completion fish | source',
    'function __certctl_path',
    '    set -l path ""',
    '    for word in (commandline -opc)[2..-1]',
    '        if not string match -q -- "-*" $word; and contains -- $word (__certctl_words $path)',
    '            set path (string trim -- "$path $word")',
    '        end',
    '    end',
    '    echo $path',
    'end',
    'function __certctl_words',
    '    switch "$argv[1]"',
    ...nodes.flatMap((node) => [
      `        case "${node.path}"`,
      `            printf "%s\\n" ${[...node.commands, ...node.options].join(' ')}`,
    ]),
    '    end',
    'end',
    'complete -c certctl -f',
    ...nodes.flatMap((node) => [
      ...(node.commands.length
        ? [`complete -c certctl -n 'test "(__certctl_path)" = "${node.path}"' -a '${node.commands.join(' ')}'`]
        : []),
      ...node.options.map((flag) => `complete -c certctl -n 'test "(__certctl_path)" = "${node.path}"' -l ${flag.slice(2)}`),
    ]),
  ];
  return `${lines.join('\n')}\n`;
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;

/** The completion script for `shell`, generated from the command tree. */
export function completionScript(program: Command, shell: (typeof SHELLS)[number]): string {
  const nodes = completionTree(program);
  return shell === 'bash' ? bashScript(nodes) : shell === 'zsh' ? zshScript(nodes) : fishScript(nodes);
}

export function registerCompletion(program: Command, deps: CliDeps): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell').choices(SHELLS))
    .action((shell: (typeof SHELLS)[number]) => deps.out(completionScript(program, shell)));
}
