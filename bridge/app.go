package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/go-resty/resty/v2"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/redis/go-redis/v9"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
	"github.com/ongair-bridge/ongair-bridge/config"
	"github.com/ongair-bridge/ongair-bridge/ongair"
)

// App is the whole bridge: the HTTP server and the Asynq workers, wired from
// a Config. cmd/bridge and the end-to-end tests both run it.
type App struct {
	cfg      config.Config
	log      *slog.Logger
	rdb      redis.UniversalClient
	embedded *miniredis.Miniredis
	queue    *Queue
	workers  *asynq.Server
	mux      *asynq.ServeMux
	echo     *echo.Echo
}

const shutdownTimeout = 10 * time.Second

// New wires the bridge. Without REDIS_URL it starts an embedded in-memory
// Redis, which loses queued events when the process ends.
func New(cfg config.Config, log *slog.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	if cfg.RedisURL == "" {
		m := miniredis.NewMiniRedis()
		if err := m.Start(); err != nil {
			return nil, fmt.Errorf("start the embedded Redis: %w", err)
		}
		log.Warn("REDIS_URL is not set: using an embedded in-memory Redis that loses queued messages when the bridge stops; set REDIS_URL in production")
		a.embedded = m
		a.rdb = redis.NewClient(&redis.Options{Addr: m.Addr()})
	} else {
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			return nil, errors.New("REDIS_URL is not a valid Redis URL: use the form redis://[:password@]host:6379/0")
		}
		a.rdb = redis.NewClient(opt)
	}

	cw := chatwoot.New(cfg.ChatwootURL, cfg.ChatwootAPIToken, cfg.ChatwootAccountID, chatwoot.WithTimeout(cfg.HTTPTimeout))
	og := ongair.New(cfg.OngairURL, cfg.OngairAPIToken, ongair.WithTimeout(cfg.HTTPTimeout))
	a.queue = &Queue{
		mailbox:   &Mailbox{rdb: a.rdb},
		client:    asynq.NewClientFromRedisClient(a.rdb),
		inspector: asynq.NewInspectorFromRedisClient(a.rdb),
		maxRetry:  cfg.MaxRetry,
		log:       log,
	}
	handler := &Handler{
		cw:       cw,
		og:       og,
		resolver: &Resolver{cw: cw, rdb: a.rdb, inboxID: cfg.ChatwootInboxID},
		rdb:      a.rdb,
		media:    resty.New().SetTimeout(cfg.HTTPTimeout).SetRedirectPolicy(resty.FlexibleRedirectPolicy(5)),
		log:      log,
	}
	a.workers = asynq.NewServerFromRedisClient(a.rdb, asynq.Config{
		Concurrency:              cfg.Workers,
		RetryDelayFunc:           RetryDelay(cfg.RetryBaseDelay, cfg.RetryMaxDelay),
		TaskCheckInterval:        100 * time.Millisecond,
		DelayedTaskCheckInterval: min(time.Second, max(cfg.RetryBaseDelay/2, 50*time.Millisecond)),
		ShutdownTimeout:          shutdownTimeout,
		Logger:                   asynqLogger{log},
		HealthCheckFunc: func(err error) {
			if err != nil {
				log.Error("workers cannot reach Redis", "err", err)
			}
		},
	})
	a.mux = asynq.NewServeMux()
	a.mux.Handle(TaskType, &Worker{queue: a.queue, handler: handler, log: log})
	a.echo = a.newEcho()
	return a, nil
}

// Handler is the bridge's HTTP handler.
func (a *App) Handler() http.Handler { return a.echo }

// Run serves on LISTEN_ADDR until ctx ends, then shuts down cleanly.
func (a *App) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("cannot listen on LISTEN_ADDR %s: %w", a.cfg.ListenAddr, err)
	}
	return a.Serve(ctx, ln)
}

// Serve runs the HTTP server on ln and the workers until ctx ends or the
// server fails, then stops both: HTTP first, so no event is accepted that the
// workers will not see, then the workers, which hand unfinished tasks back to
// Redis.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	defer ln.Close()
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err := a.rdb.Ping(pctx).Err()
	cancel()
	if err != nil {
		return fmt.Errorf("cannot reach Redis (%v): check REDIS_URL and that Redis is running", err)
	}
	if err := a.workers.Start(a.mux); err != nil {
		return fmt.Errorf("cannot start the workers: %w", err)
	}

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	srv := &http.Server{
		Handler:           a.echo,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	swept := make(chan struct{})
	go func() { defer close(swept); a.sweep(ctx) }()
	a.log.Info("bridge is running", "addr", ln.Addr().String(), "helpdesk", a.cfg.Helpdesk, "embedded_redis", a.embedded != nil)

	select {
	case <-ctx.Done():
		err = nil
	case err = <-served:
		err = fmt.Errorf("HTTP server stopped: %w", err)
	}
	a.log.Info("shutting down")
	stop()
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(sctx); serr != nil {
		a.log.Warn("HTTP server did not stop cleanly", "err", serr)
	}
	a.workers.Shutdown()
	<-swept
	return err
}

// sweep queues lost mailbox heads at start and every SWEEP_INTERVAL.
func (a *App) sweep(ctx context.Context) {
	t := time.NewTicker(a.cfg.SweepInterval)
	defer t.Stop()
	for {
		if err := a.queue.Sweep(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("sweep failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases Redis; call it after Serve returned.
func (a *App) Close() error {
	err := errors.Join(a.queue.client.Close(), a.rdb.Close())
	if a.embedded != nil {
		a.embedded.Close()
	}
	return err
}

// Redis is the client the bridge uses, for tests and tools.
func (a *App) Redis() redis.UniversalClient { return a.rdb }

// asynqLogger sends Asynq's logs to slog.
type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...), "component", "asynq") }
func (l asynqLogger) Fatal(args ...any) {
	l.log.Error(fmt.Sprint(args...), "component", "asynq")
	os.Exit(1)
}
