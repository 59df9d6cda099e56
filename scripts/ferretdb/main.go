// FerretDB 1.24 embedded, so the stack builds it from a pinned module instead of downloading
// a binary. Usage:
//
//	ferretdb ADDR postgres://USER@HOST:PORT/DB   PostgreSQL backend (the stack's default)
//	ferretdb ADDR DIR                             SQLite backend, databases as files in DIR
package main

import (
	"context"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatalf("usage: %s ADDR (postgres://URL | SQLITE_DIR)", os.Args[0])
	}
	config := &ferretdb.Config{Listener: ferretdb.ListenerConfig{TCP: os.Args[1]}}
	if target := os.Args[2]; strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		config.Handler = "postgresql"
		config.PostgreSQLURL = target
	} else {
		config.Handler = "sqlite"
		config.SQLiteURL = "file:" + target + "/"
	}
	f, err := ferretdb.New(config)
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
