// Package config reads the bridge's settings from the environment.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Helpdesk base URLs used when CHATWOOT_URL is not set.
var helpdeskURLs = map[string]string{
	"chatwoot": "https://app.chatwoot.com",
	"onehash":  "https://chat.onehash.ai",
	"hoory":    "https://app.hoory.com",
}

type Config struct {
	ListenAddr   string `env:"LISTEN_ADDR" envDefault:":8080"`
	RedisURL     string `env:"REDIS_URL"`
	WebhookToken string `env:"WEBHOOK_TOKEN"`

	OngairURL      string `env:"ONGAIR_URL" envDefault:"https://ongair.im"`
	OngairAPIToken string `env:"ONGAIR_API_TOKEN"`

	Helpdesk              string `env:"HELPDESK" envDefault:"chatwoot"`
	ChatwootURL           string `env:"CHATWOOT_URL"`
	ChatwootAPIToken      string `env:"CHATWOOT_API_TOKEN"`
	ChatwootAccountID     int64  `env:"CHATWOOT_ACCOUNT_ID"`
	ChatwootInboxID       int64  `env:"CHATWOOT_INBOX_ID"`
	ChatwootWebhookSecret string `env:"CHATWOOT_WEBHOOK_SECRET"`

	Workers        int           `env:"WORKERS" envDefault:"10"`
	MaxRetry       int           `env:"MAX_RETRY" envDefault:"12"`
	RetryBaseDelay time.Duration `env:"RETRY_BASE_DELAY" envDefault:"5s"`
	RetryMaxDelay  time.Duration `env:"RETRY_MAX_DELAY" envDefault:"15m"`
	HTTPTimeout    time.Duration `env:"HTTP_TIMEOUT" envDefault:"30s"`
	SweepInterval  time.Duration `env:"SWEEP_INTERVAL" envDefault:"30s"`
	LogLevel       string        `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat      string        `env:"LOG_FORMAT" envDefault:"text"`
}

// Load reads the environment and validates it. The error lists one sentence
// per missing or bad setting.
func Load() (Config, error) {
	return LoadFrom(nil)
}

// LoadFrom is Load over the given variables; nil means the process environment.
func LoadFrom(environ map[string]string) (Config, error) {
	opts := env.Options{}
	if environ != nil {
		opts.Environment = environ
	}
	cfg, err := env.ParseAsWithOptions[Config](opts)
	var errs []error
	bad := map[string]bool{}
	if err != nil {
		var agg env.AggregateError
		if !errors.As(err, &agg) {
			return cfg, err
		}
		for _, e := range agg.Errors {
			var pe env.ParseError
			if !errors.As(e, &pe) {
				errs = append(errs, e)
				continue
			}
			name := envName(pe.Name)
			bad[name] = true
			errs = append(errs, fmt.Errorf("%s has a bad value (%v): use the form shown in README.md", name, pe.Err))
		}
	}
	// Checks of a setting that could not be read would only repeat its error.
	if verr, ok := cfg.Validate().(interface{ Unwrap() []error }); ok {
		for _, e := range verr.Unwrap() {
			name, _, _ := strings.Cut(e.Error(), " ")
			if !bad[name] {
				errs = append(errs, e)
			}
		}
	}
	return cfg, errors.Join(errs...)
}

func envName(field string) string {
	if f, ok := reflect.TypeFor[Config]().FieldByName(field); ok {
		return f.Tag.Get("env")
	}
	return field
}

// Validate fills the helpdesk URL default and checks every setting.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		bad("LISTEN_ADDR %q is not a host:port address such as :8080", c.ListenAddr)
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			bad("REDIS_URL is not a redis:// or rediss:// URL such as redis://localhost:6379/0")
		}
	}
	if c.WebhookToken == "" {
		bad("WEBHOOK_TOKEN is missing: set it to a long random string and put it in both webhook URLs")
	}
	if !httpURL(c.OngairURL) {
		bad("ONGAIR_URL %q is not an http(s) URL", c.OngairURL)
	}
	if c.OngairAPIToken == "" {
		bad("ONGAIR_API_TOKEN is missing: copy it from Ongair's Settings > Account page")
	}
	c.Helpdesk = strings.ToLower(strings.TrimSpace(c.Helpdesk))
	def, ok := helpdeskURLs[c.Helpdesk]
	if !ok {
		bad("HELPDESK %q is not one of chatwoot, onehash or hoory", c.Helpdesk)
	}
	if c.ChatwootURL == "" {
		c.ChatwootURL = def
	} else if !httpURL(c.ChatwootURL) {
		bad("CHATWOOT_URL %q is not an http(s) URL", c.ChatwootURL)
	}
	c.ChatwootURL = strings.TrimRight(c.ChatwootURL, "/")
	c.OngairURL = strings.TrimRight(c.OngairURL, "/")
	if c.ChatwootAPIToken == "" {
		bad("CHATWOOT_API_TOKEN is missing: use an administrator's access token from Profile settings")
	}
	if c.ChatwootAccountID <= 0 {
		bad("CHATWOOT_ACCOUNT_ID is missing: it is the number after /accounts/ in the helpdesk's URL")
	}
	if c.ChatwootInboxID <= 0 {
		bad("CHATWOOT_INBOX_ID is missing: it is the id of the API-channel inbox the bridge writes to")
	}
	if c.Workers < 1 {
		bad("WORKERS must be at least 1")
	}
	if c.MaxRetry < 0 {
		bad("MAX_RETRY must not be negative")
	}
	if c.RetryBaseDelay <= 0 || c.RetryMaxDelay < c.RetryBaseDelay {
		bad("RETRY_BASE_DELAY must be positive and no larger than RETRY_MAX_DELAY")
	}
	if c.HTTPTimeout <= 0 {
		bad("HTTP_TIMEOUT must be positive")
	}
	if c.SweepInterval <= 0 {
		bad("SWEEP_INTERVAL must be positive")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("LOG_LEVEL %q is not one of debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		bad("LOG_FORMAT %q is not text or json", c.LogFormat)
	}
	return errors.Join(errs...)
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
