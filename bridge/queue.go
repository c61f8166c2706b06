package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
)

// TaskType is the Asynq task type of every event; its payload is the Event
// as JSON and its TaskID the event's id.
const TaskType = "bridge:event"

const taskTimeout = 5 * time.Minute

// Queue accepts events into their chat's mailbox and hands the head of each
// mailbox to Asynq.
type Queue struct {
	mailbox  *Mailbox
	client   *asynq.Client
	maxRetry int
	log      *slog.Logger
}

// Accept stores the event; once it returns without error the event is
// durable and will be handled. It returns Duplicate, Head or Waiting.
func (q *Queue) Accept(ctx context.Context, ev Event) (int, error) {
	outcome, payload, err := q.mailbox.Push(ctx, ev)
	if err != nil || outcome != Head {
		return outcome, err
	}
	if err := q.enqueue(ctx, ev.ID, payload); err != nil {
		// The event is stored; the sweeper queues its task.
		q.log.Warn("could not queue task, the sweeper will retry", "event", ev.ID, "err", err)
	}
	return outcome, nil
}

func (q *Queue) enqueue(ctx context.Context, id string, payload []byte) error {
	_, err := q.client.EnqueueContext(ctx, asynq.NewTask(TaskType, payload),
		asynq.TaskID(id), asynq.MaxRetry(q.maxRetry), asynq.Timeout(taskTimeout))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// Sweep queues the task of every mailbox head that lacks one, as after a
// crash between finishing one event and queueing the next.
func (q *Queue) Sweep(ctx context.Context) error {
	heads, err := q.mailbox.heads(ctx)
	if err != nil {
		return fmt.Errorf("sweep mailboxes: %w", err)
	}
	for id, payload := range heads {
		if err := q.enqueue(ctx, id, payload); err != nil {
			return fmt.Errorf("sweep mailboxes: queue %s: %w", id, err)
		}
	}
	return nil
}

// Worker is the Asynq handler of TaskType.
type Worker struct {
	queue   *Queue
	handler *Handler
	log     *slog.Logger
}

func (w *Worker) ProcessTask(ctx context.Context, t *asynq.Task) error {
	var ev Event
	if err := json.Unmarshal(t.Payload(), &ev); err != nil || ev.ID == "" {
		return fmt.Errorf("task payload is not an event: %v: %w", err, asynq.SkipRetry)
	}
	chat := ev.Chat.Key()
	state, head, err := w.queue.mailbox.turn(ctx, ev.ID, chat)
	if err != nil {
		return err
	}
	switch {
	case state == stateDone:
		return nil
	case state == stateQueued && !head:
		// Not this event's turn: the task of the event ahead of it queues
		// this one when it finishes.
		return nil
	}
	// Either the event's turn, or an operator re-ran a dead (archived) task.

	err = w.handler.Handle(ctx, ev)
	if err != nil && temporary(err) && !lastAttempt(ctx) {
		w.log.Warn("event failed, will retry", "event", ev.ID, "kind", ev.Kind, "err", err)
		return err
	}
	final := stateDone
	if err != nil {
		final = stateDead
		w.log.Error("event failed for good; its task stays archived in Asynq", "event", ev.ID, "kind", ev.Kind, "err", err)
		w.handler.Failed(ctx, ev, err)
	}
	next, payload, ferr := w.queue.mailbox.finish(ctx, ev.ID, chat, final)
	if ferr != nil {
		// Handled but not recorded: a retry handles it again.
		return ferr
	}
	if next != "" {
		if err := w.queue.enqueue(ctx, next, payload); err != nil {
			w.log.Warn("could not queue next task, the sweeper will retry", "event", next, "err", err)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	return nil
}

func lastAttempt(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	max, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n >= max
}

// temporary reports whether err is worth retrying. The clients' errors say
// so themselves; anything else (Redis, the network) is retried.
func temporary(err error) bool {
	var t interface{ Temporary() bool }
	if errors.As(err, &t) {
		return t.Temporary()
	}
	return true
}

// permanentError marks a failure no retry can mend.
type permanentError struct{ error }

func (permanentError) Temporary() bool { return false }

func (e permanentError) Unwrap() error { return e.error }

func permanent(format string, args ...any) error {
	return permanentError{fmt.Errorf(format, args...)}
}

// RetryDelay doubles from base up to max, with ±20% jitter so that retries
// of many chats spread out.
func RetryDelay(base, max time.Duration) asynq.RetryDelayFunc {
	return func(n int, _ error, _ *asynq.Task) time.Duration {
		d := max
		if n < 32 && base<<n > 0 && base<<n < max {
			d = base << n
		}
		return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	}
}
