package dev.dormouse.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "completion", description = {"Print a shell completion script for dormouse to stdout.",
        "bash: source <(dormouse completion bash), or save it under /etc/bash_completion.d/.",
        "zsh: the same script; it loads itself through zsh's bashcompinit: source <(dormouse completion zsh)."})
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @Parameters(paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", description = "bash or zsh (default: ${DEFAULT-VALUE}).")
    Shell shell;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        // picocli's script serves both shells: under zsh it runs compinit and bashcompinit itself.
        spec.commandLine().getOut().print(AutoComplete.bash("dormouse", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
