package bridge

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
	"github.com/ongair-bridge/ongair-bridge/ongair"
)

// MaxBody is the largest webhook body the bridge reads.
const MaxBody = 1 << 20

// signatureTolerance is how far a signed helpdesk webhook's timestamp may be
// from the bridge's clock.
const signatureTolerance = 5 * time.Minute

// The HTTP handlers authenticate, validate, store the event and answer; they
// never call a remote API.
func (a *App) newEcho() *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = a.httpError
	e.Use(a.recoverPanics, a.logRequests)
	e.POST("/webhooks/ongair", a.ongairWebhook)
	e.POST("/webhooks/chatwoot", a.chatwootWebhook)
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	e.GET("/readyz", a.ready)
	return e
}

func (a *App) ongairWebhook(c echo.Context) error {
	body, err := a.authorizedBody(c)
	if err != nil {
		return err
	}
	n, err := ongair.ParseNotification(c.Request().Header.Get(echo.HeaderContentType), body)
	if err != nil {
		return jsonError(http.StatusBadRequest, "Ongair notification is malformed: "+err.Error())
	}
	ev, reason, err := FromOngair(n)
	if err != nil {
		return jsonError(http.StatusBadRequest, "Ongair notification is incomplete: "+err.Error())
	}
	if reason != "" {
		a.log.Info("ignored Ongair notification", "type", n.Type, "reason", reason)
		return c.JSON(http.StatusOK, map[string]string{"status": "ignored", "reason": reason})
	}
	return a.accept(c, ev)
}

func (a *App) chatwootWebhook(c echo.Context) error {
	body, err := a.authorizedBody(c)
	if err != nil {
		return err
	}
	if secret := a.cfg.ChatwootWebhookSecret; secret != "" {
		h := c.Request().Header
		if err := chatwoot.VerifySignature(secret, h.Get(chatwoot.TimestampHeader), h.Get(chatwoot.SignatureHeader), body, time.Now(), signatureTolerance); err != nil {
			return jsonError(http.StatusUnauthorized, "helpdesk webhook signature is not valid ("+err.Error()+"): check CHATWOOT_WEBHOOK_SECRET")
		}
	}
	w, err := chatwoot.ParseWebhook(body)
	if err != nil {
		return jsonError(http.StatusBadRequest, "helpdesk webhook is malformed: "+err.Error())
	}
	ev, reason := FromChatwoot(w, a.cfg.ChatwootInboxID)
	if reason != "" {
		a.log.Debug("ignored helpdesk webhook", "event", w.Event, "id", w.ID, "reason", reason)
		return c.JSON(http.StatusOK, map[string]string{"status": "ignored", "reason": reason})
	}
	return a.accept(c, ev)
}

func (a *App) accept(c echo.Context, ev Event) error {
	outcome, err := a.queue.Accept(c.Request().Context(), ev)
	if err != nil {
		a.log.Error("could not store event", "event", ev.ID, "err", err)
		return jsonError(http.StatusServiceUnavailable, "the bridge cannot queue the event because Redis is unavailable: retry later")
	}
	status := "queued"
	if outcome == Duplicate {
		status = "duplicate"
	}
	return c.JSON(http.StatusOK, map[string]string{"status": status, "id": ev.ID})
}

// authorizedBody checks the webhook token and reads the body.
func (a *App) authorizedBody(c echo.Context) ([]byte, error) {
	token := c.QueryParam("token")
	if subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.WebhookToken)) != 1 {
		return nil, jsonError(http.StatusUnauthorized, "webhook token is missing or wrong: use the URL with ?token=WEBHOOK_TOKEN")
	}
	req := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, MaxBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, jsonError(http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
	case err != nil:
		return nil, jsonError(http.StatusBadRequest, "request body could not be read")
	}
	return body, nil
}

func (a *App) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := a.rdb.Ping(ctx).Err(); err != nil {
		return jsonError(http.StatusServiceUnavailable, "Redis is not reachable")
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

func jsonError(code int, msg string) error {
	return echo.NewHTTPError(code, msg)
}

// httpError answers every error as {"error": "..."}.
func (a *App) httpError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	code, msg := http.StatusInternalServerError, "internal error"
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code = he.Code
		if s, ok := he.Message.(string); ok {
			msg = s
		} else {
			msg = http.StatusText(code)
		}
	} else {
		a.log.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	if code == http.StatusNotFound && msg == http.StatusText(code) {
		msg = "no such endpoint: see README.md for the bridge's endpoints"
	}
	if err := c.JSON(code, map[string]string{"error": msg}); err != nil {
		a.log.Debug("could not write error response", "err", err)
	}
}

func (a *App) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("handler panicked", "path", c.Request().URL.Path, "panic", r)
				err = jsonError(http.StatusInternalServerError, "internal error")
			}
		}()
		return next(c)
	}
}

// logRequests logs every request by path only: the query holds the token.
func (a *App) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := a.log.Debug
		if status >= 400 {
			level = a.log.Warn
		}
		level("http request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", status, "duration", time.Since(start))
		return nil
	}
}
