// Package redistest gives tests a real Redis database of their own.
//
// It uses TEST_REDIS_URL, else a Redis on 127.0.0.1:6379, else it starts a
// private redis-server for the test binary (which dies with it).
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

var (
	once    sync.Once
	baseURL string
	baseErr error
)

// URL is the Redis URL of database db on the test server.
func URL(t testing.TB, db int) string {
	t.Helper()
	once.Do(func() { baseURL, baseErr = find() })
	if baseErr != nil {
		t.Fatalf("tests need Redis: %v", baseErr)
	}
	return baseURL + "/" + strconv.Itoa(db)
}

// Client connects to database db, empties it and closes it after the test.
// Each test package uses its own db, as packages run in parallel.
func Client(t testing.TB, db int) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(URL(t, db))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		t.Fatalf("empty Redis db %d: %v", db, err)
	}
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func find() (string, error) {
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		opt, err := redis.ParseURL(u)
		if err != nil {
			return "", fmt.Errorf("TEST_REDIS_URL is not a Redis URL: %v", err)
		}
		if err := ping(opt.Addr, opt.Password); err != nil {
			return "", fmt.Errorf("TEST_REDIS_URL names a Redis that does not answer: %v", err)
		}
		return urlOf(opt.Addr, opt.Password), nil
	}
	if ping("127.0.0.1:6379", "") == nil {
		return urlOf("127.0.0.1:6379", ""), nil
	}
	return start()
}

// start runs a private redis-server on a free port.
func start() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("no Redis on 127.0.0.1:6379 and no redis-server to start: install redis-server or set TEST_REDIS_URL")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", os.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if err = ping(addr, ""); err == nil {
			return urlOf(addr, ""), nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			return "", fmt.Errorf("started redis-server does not answer: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ping(addr, password string) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password, DialTimeout: time.Second})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return rdb.Ping(ctx).Err()
}

func urlOf(addr, password string) string {
	if password != "" {
		return "redis://:" + password + "@" + addr
	}
	return "redis://" + addr
}
