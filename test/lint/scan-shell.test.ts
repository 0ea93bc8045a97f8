import { describe, expect, it } from 'vitest';
import { commandWords, scanShell } from '../../runner/lint/scan-shell.js';

const uses = (script: string) => scanShell(script).uses.map((use) => `${use.name}${use.hasDefault ? '?' : ''}`);

describe('scanShell: variable uses', () => {
  it('finds $NAME and ${NAME} in plain words, double quotes and command substitutions', () => {
    expect(uses('echo $A "${B}x" "$(cat $C)" `echo $D`')).toEqual(['A', 'B', 'C', 'D']);
  });

  it('ignores single quotes, comments, ANSI-C strings and quoted heredocs', () => {
    expect(uses("awk '{print $NF}' # $COMMENT\necho $'$NOT'\ncat <<'EOF'\n$LITERAL\nEOF\necho $AFTER")).toEqual(['AFTER']);
  });

  it('reads unquoted heredocs as expanding', () => {
    expect(uses('cat <<EOF\nkey: ${VALUE}\nEOF')).toEqual(['VALUE']);
  });

  it('marks ${NAME:-default} and its kin as safe when unset', () => {
    expect(uses('echo ${A:-x} ${B-x} ${C:=x} ${D:+x} ${E:?must}')).toEqual(['A?', 'B?', 'C?', 'D?', 'E']);
  });

  it('reads $ names in arithmetic, not bare ones', () => {
    expect(uses('echo $((n + $M))')).toEqual(['M']);
  });
});

describe('scanShell: definitions', () => {
  it('finds assignments, export, read, for, local and printf -v', () => {
    const scan = scanShell('A=1\nexport B=2 C\nread -r -p "x" D E\nfor F in 1 2; do :; done\nlocal G\nprintf -v H %s x\nI=1 cmd');
    expect([...scan.defines].sort()).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I']);
    expect([...scan.exports].sort()).toEqual(['B', 'C']);
  });

  it('counts declare -x as an export', () => {
    expect([...scanShell('declare -x K=v').exports]).toEqual(['K']);
  });
});

describe('scanShell: commands', () => {
  it('splits commands at ; && || | and newlines, and finds those inside $(...) first', () => {
    const names = scanShell('a 1; b && c || d | e\nf "$(g x)"').commands.map((command) => command[0]!.value);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e', 'g', 'f']);
  });

  it('keeps quoted arguments whole, and joins continued lines', () => {
    const [command] = scanShell('gcloud compute ssh vm \\\n  --command "sudo bash -s" --zone=z').commands;
    expect(command!.map((word) => word.value)).toEqual(['gcloud', 'compute', 'ssh', 'vm', '--command', 'sudo bash -s', '--zone=z']);
  });

  it('does not end a command at a 2>&1 redirection', () => {
    expect(scanShell('gcloud version 2>&1 | head').commands.map((command) => command[0]!.value)).toEqual(['gcloud', 'head']);
  });

  it('skips assignments and prefixes such as sudo before the command name', () => {
    const [command] = scanShell('CLOUDSDK_CORE_DISABLE_PROMPTS=1 sudo gcloud version').commands;
    expect(commandWords(command!)[0]!.value).toBe('gcloud');
  });
});

describe('scanShell: word values', () => {
  it('marks a quoted word with an expansion as unknown, and unquotes plain ones', () => {
    const [command] = scanShell('gcloud compute "${kind}" list "plain \\"q\\""').commands;
    expect(command!.map((word) => word.value)).toEqual(['gcloud', 'compute', '\0', 'list', 'plain "q"']);
  });
});
