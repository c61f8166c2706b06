// Command bridge runs ongair-bridge.
//
//	bridge [serve]   run the HTTP server and the workers (the default)
//	bridge help      show this help
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/ongair-bridge/ongair-bridge/bridge"
	"github.com/ongair-bridge/ongair-bridge/config"
)

const usage = `usage: bridge [serve]

  serve   run the webhook server and the queue workers (the default)
  help    show this help

Settings come from the environment; README.md lists them.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
	case "help", "-h", "--help":
		fmt.Fprint(stderr, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "bridge: unknown command %q\n\n%s", cmd, usage)
		return 2
	}

	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "bridge: the configuration is not valid:\n")
		for _, e := range unjoin(err) {
			fmt.Fprintf(stderr, "  - %v\n", e)
		}
		return 2
	}
	log := newLogger(cfg, stderr)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	app, err := bridge.New(cfg, log)
	if err != nil {
		log.Error("bridge could not start", "err", err)
		return 1
	}
	defer app.Close()
	if err := app.Run(ctx); err != nil {
		log.Error("bridge stopped", "err", err)
		return 1
	}
	log.Info("bridge stopped")
	return 0
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
