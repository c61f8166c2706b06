package bridge

import (
	"context"
	"mime"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/ongair-bridge/ongair-bridge/ongair"
)

// part is one Ongair send call of a helpdesk reply.
type part struct {
	text        string
	image       string
	contentType string
}

// replyParts splits a reply into Ongair calls: one per image (the text as
// the first image's caption), and one text carrying the text and the links
// of other files. Groups get text only: Ongair sends no images to groups.
func replyParts(ev Event) []part {
	text := strings.TrimSpace(ev.Text)
	var parts []part
	var links []string
	for _, a := range ev.Attachments {
		if ct := imageType(a); ct != "" && !ev.Chat.Group {
			p := part{image: a.URL, contentType: ct}
			if len(parts) == 0 {
				p.text, text = text, ""
			}
			parts = append(parts, p)
			continue
		}
		links = append(links, a.URL)
	}
	if text != "" || len(links) > 0 {
		parts = append(parts, part{text: strings.TrimSpace(strings.Join(append([]string{text}, links...), "\n"))})
	}
	return parts
}

// imageType is the content type Ongair's send_image needs, or "" when the
// attachment is not an image.
func imageType(a Attachment) string {
	if a.FileType != "image" {
		return ""
	}
	if strings.HasPrefix(a.ContentType, "image/") {
		return a.ContentType
	}
	if u, err := url.Parse(a.URL); err == nil {
		if ct := mime.TypeByExtension(path.Ext(u.Path)); strings.HasPrefix(ct, "image/") {
			return ct
		}
	}
	return "image/jpeg"
}

// Parts already sent of a reply, so a retry after a partial failure does not
// send them twice: ob:sent:{event id} is a set of part indexes.
func sentPartsKey(id string) string { return "ob:sent:" + id }

func (h *Handler) reply(ctx context.Context, ev Event) error {
	done, err := h.rdb.SMembers(ctx, sentPartsKey(ev.ID)).Result()
	if err != nil {
		return err
	}
	for i, p := range replyParts(ev) {
		idx := strconv.Itoa(i)
		if slices.Contains(done, idx) {
			continue
		}
		res, err := h.send(ctx, ev.Chat, p)
		if err != nil {
			return err
		}
		pipe := h.rdb.TxPipeline()
		pipe.SAdd(ctx, sentPartsKey(ev.ID), idx)
		pipe.Expire(ctx, sentPartsKey(ev.ID), dedupeTTL)
		if res.ID != "" {
			pipe.Set(ctx, ongairMessageKey(string(res.ID)), strconv.FormatInt(ev.ConversationID, 10)+":"+strconv.FormatInt(ev.MessageID, 10), sentTTL)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
	}
	return h.setStatus(ctx, ev.ConversationID, ev.MessageID, "sent", "")
}

func (h *Handler) send(ctx context.Context, chat Chat, p part) (*ongair.SendResponse, error) {
	if chat.Group {
		return h.og.SendGroupMessage(ctx, chat.ID, p.text)
	}
	phone := ""
	if chat.Phone != "" && chat.Phone == chat.ID {
		phone = chat.ongairPhone()
	}
	if p.image != "" {
		return h.og.SendImage(ctx, ongair.SendImageRequest{
			PhoneNumber:       phone,
			ExternalID:        chat.ID,
			ExternalContactID: chat.ID,
			ImageURL:          p.image,
			ContentType:       p.contentType,
			Caption:           p.text,
			Thread:            true,
		})
	}
	return h.og.Send(ctx, ongair.SendRequest{
		PhoneNumber:       phone,
		ExternalID:        chat.ID,
		ExternalContactID: chat.ID,
		Text:              p.text,
		Thread:            true,
	})
}
