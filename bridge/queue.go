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

const (
	taskTimeout = 5 * time.Minute
	// bookkeepingTimeout bounds recording an event's outcome.
	bookkeepingTimeout = time.Minute
)

// queueName is the Asynq queue of every task.
const queueName = "default"

// Queue accepts events into their chat's mailbox and hands the head of each
// mailbox to Asynq.
type Queue struct {
	mailbox   *Mailbox
	client    *asynq.Client
	inspector *asynq.Inspector
	maxRetry  int
	log       *slog.Logger
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

// enqueue queues the event's task; a task the event already has is left as
// it is.
func (q *Queue) enqueue(ctx context.Context, id string, payload []byte) error {
	_, err := q.client.EnqueueContext(ctx, asynq.NewTask(TaskType, payload), asynq.Queue(queueName),
		asynq.TaskID(id), asynq.MaxRetry(q.maxRetry), asynq.Timeout(taskTimeout))
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// Sweep queues the task of every mailbox head that lacks one, as after a
// crash between finishing one event and queueing the next. A head whose task
// Asynq archived without the worker recording it (its last attempt timed out,
// or Redis failed just then) is recorded as dead, so its chat goes on; the
// archived task keeps the event for an operator.
func (q *Queue) Sweep(ctx context.Context) error {
	heads, err := q.mailbox.heads(ctx)
	if err != nil {
		return fmt.Errorf("sweep mailboxes: %w", err)
	}
	for _, h := range heads {
		info, err := q.inspector.GetTaskInfo(queueName, h.id)
		switch {
		case err == nil && info.State == asynq.TaskStateArchived:
			q.log.Error("event failed for good without being recorded; its task stays archived in Asynq", "event", h.id)
			if err := q.finish(ctx, h.id, h.chat, stateDead); err != nil {
				return fmt.Errorf("sweep mailboxes: %w", err)
			}
		case err == nil:
			// Its task is pending, scheduled, retrying or running.
		case errors.Is(err, asynq.ErrTaskNotFound), errors.Is(err, asynq.ErrQueueNotFound):
			if err := q.enqueue(ctx, h.id, h.payload); err != nil {
				return fmt.Errorf("sweep mailboxes: queue %s: %w", h.id, err)
			}
		default:
			return fmt.Errorf("sweep mailboxes: look up task %s: %w", h.id, err)
		}
	}
	return nil
}

// finish records the event as done or dead and queues its chat's next event.
func (q *Queue) finish(ctx context.Context, id, chat, state string) error {
	next, payload, err := q.mailbox.finish(ctx, id, chat, state)
	if err != nil {
		return err
	}
	if next != "" {
		if err := q.enqueue(ctx, next, payload); err != nil {
			q.log.Warn("could not queue next task, the sweeper will retry", "event", next, "err", err)
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
	// What follows must happen even when the task's own deadline has passed.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), bookkeepingTimeout)
	defer cancel()
	final := stateDone
	if err != nil {
		final = stateDead
		w.log.Error("event failed for good; its task stays archived in Asynq", "event", ev.ID, "kind", ev.Kind, "err", err)
		w.handler.Failed(bctx, ev, err)
	}
	if ferr := w.queue.finish(bctx, ev.ID, chat, final); ferr != nil {
		// Handled but not recorded: a retry handles it again, and the
		// sweeper records a head whose task was archived meanwhile.
		return ferr
	}
	if err != nil {
		return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
	}
	w.log.Info("event handled", "event", ev.ID, "kind", ev.Kind)
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
