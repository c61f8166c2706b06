package test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBridge builds cmd/bridge as the README does.
func buildBridge(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bridge")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/bridge")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/bridge: %v\n%s", err, out)
	}
	return bin
}

// The binary runs with only the required settings (embedded Redis), answers
// health checks and stops cleanly on SIGTERM.
func TestBinaryRunsAndStopsOnSIGTERM(t *testing.T) {
	bin := buildBridge(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	var stderr bytes.Buffer
	cmd := exec.Command(bin)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"LISTEN_ADDR=" + addr,
		"WEBHOOK_TOKEN=" + webhookToken,
		"ONGAIR_API_TOKEN=" + ongairToken,
		"CHATWOOT_URL=http://127.0.0.1:1",
		"CHATWOOT_API_TOKEN=" + chatwootToken,
		"CHATWOOT_ACCOUNT_ID=1",
		"CHATWOOT_INBOX_ID=1",
	}
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for _, path := range []string{"/healthz", "/readyz"} {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s answered %d", path, resp.StatusCode)
				}
				break
			}
			select {
			case <-ctx.Done():
				t.Fatalf("%s never answered: %v\n%s", path, err, stderr.String())
			case err := <-exited:
				t.Fatalf("bridge exited: %v\n%s", err, stderr.String())
			case <-time.After(20 * time.Millisecond): // the process is still starting
			}
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("bridge exited with %v after SIGTERM\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("bridge did not stop after SIGTERM")
	}
	logs := stderr.String()
	if !strings.Contains(logs, "REDIS_URL is not set") {
		t.Errorf("no warning about the embedded Redis in:\n%s", logs)
	}
	for _, secret := range []string{webhookToken, ongairToken, chatwootToken} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs contain a secret")
		}
	}
}

// A bad configuration stops the binary with one sentence per problem.
func TestBinaryRejectsBadConfig(t *testing.T) {
	bin := buildBridge(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPDESK=zendesk", "CHATWOOT_ACCOUNT_ID=abc"}
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Fatalf("exit code %d (%v), want 2\n%s", code, err, out)
	}
	for _, want := range []string{"CHATWOOT_ACCOUNT_ID has a bad value"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	cmd = exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HELPDESK=zendesk"}
	out, _ = cmd.CombinedOutput()
	for _, want := range []string{"WEBHOOK_TOKEN is missing", "ONGAIR_API_TOKEN is missing", "CHATWOOT_API_TOKEN is missing",
		"CHATWOOT_ACCOUNT_ID is missing", "CHATWOOT_INBOX_ID is missing", `HELPDESK "zendesk" is not one of`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
