package bridge

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/ongair-bridge/ongair-bridge/chatwoot"
)

// maxMedia is the largest file the bridge uploads; Chatwoot's own limit is 40 MB.
const maxMedia = 40 << 20

// mediaError is a failed media download.
type mediaError struct {
	url       string
	status    int
	err       error
	temporary bool
}

func (e *mediaError) Error() string {
	if e.err != nil {
		return fmt.Sprintf("download %s: %v", redactURL(e.url), e.err)
	}
	return fmt.Sprintf("download %s: status %d", redactURL(e.url), e.status)
}

func (e *mediaError) Temporary() bool { return e.temporary }

// download fetches a file a customer sent. No credentials go with it: the
// URL is Ongair's public media link.
func (h *Handler) download(ctx context.Context, rawURL string) (chatwoot.Upload, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return chatwoot.Upload{}, &mediaError{url: rawURL, err: fmt.Errorf("not an http(s) URL")}
	}
	resp, err := h.media.R().SetContext(ctx).SetDoNotParseResponse(true).Get(rawURL)
	if err != nil {
		return chatwoot.Upload{}, &mediaError{url: rawURL, err: err, temporary: true}
	}
	body := resp.RawBody()
	defer body.Close()
	if code := resp.StatusCode(); code != http.StatusOK {
		return chatwoot.Upload{}, &mediaError{url: rawURL, status: code,
			temporary: code >= 500 || code == http.StatusTooManyRequests || code == http.StatusRequestTimeout}
	}
	data, err := io.ReadAll(io.LimitReader(body, maxMedia+1))
	if err != nil {
		return chatwoot.Upload{}, &mediaError{url: rawURL, err: err, temporary: true}
	}
	if len(data) > maxMedia {
		return chatwoot.Upload{}, &mediaError{url: rawURL, err: fmt.Errorf("larger than %d MB", maxMedia>>20)}
	}
	ct, _, _ := mime.ParseMediaType(resp.Header().Get("Content-Type"))
	if ct == "" || ct == "application/octet-stream" {
		ct, _, _ = mime.ParseMediaType(http.DetectContentType(data))
	}
	name := path.Base(u.Path)
	if name == "." || name == "/" || name == "" {
		name = "file"
	}
	if path.Ext(name) == "" {
		if exts, _ := mime.ExtensionsByType(ct); len(exts) > 0 {
			name += exts[0]
		}
	}
	return chatwoot.Upload{FileName: name, ContentType: ct, Data: data}, nil
}

// redactURL drops the query, where signed media URLs keep their secrets.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(bad URL)"
	}
	u.RawQuery, u.User = "", nil
	return strings.TrimSuffix(u.String(), "?")
}
