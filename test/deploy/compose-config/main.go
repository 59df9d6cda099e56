// compose-config loads a Compose file with compose-go, the loader `docker compose config` is
// built on (Compose-spec schema validation, interpolation, normalization), and prints the
// normalized project as YAML. Used where the docker client has no compose plugin.
//
//	compose-config -f temporal-dev.yaml
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "", "the Compose file to load")
	flag.Parse()
	if *file == "" {
		fmt.Fprintln(os.Stderr, "usage: compose-config -f FILE")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions([]string{*file}, cli.WithOsEnv, cli.WithDotEnv, cli.WithName("flywheel"))
	if err != nil {
		fail(err)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalYAML()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "compose-config: %v\n", err)
	os.Exit(1)
}
