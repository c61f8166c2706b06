package bridge

import (
	"errors"
	"testing"
	"time"
)

func TestRetryDelay(t *testing.T) {
	f := RetryDelay(time.Second, time.Minute)
	tests := []struct {
		n    int
		want time.Duration
	}{{0, time.Second}, {1, 2 * time.Second}, {5, 32 * time.Second}, {6, time.Minute}, {40, time.Minute}, {1000, time.Minute}}
	for _, tc := range tests {
		for range 20 {
			d := f(tc.n, nil, nil)
			if d < tc.want*8/10 || d > tc.want*12/10 {
				t.Fatalf("delay(%d) = %v, want %v ±20%%", tc.n, d, tc.want)
			}
		}
	}
}

type tempErr bool

func (e tempErr) Error() string   { return "remote error" }
func (e tempErr) Temporary() bool { return bool(e) }

func TestTemporary(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{tempErr(true), true},
		{tempErr(false), false},
		{errors.Join(errors.New("wrapped"), tempErr(false)), false},
		{permanent("bad %s", "input"), false},
		{errors.New("redis: connection refused"), true},
	}
	for _, tc := range tests {
		if got := temporary(tc.err); got != tc.want {
			t.Errorf("temporary(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
