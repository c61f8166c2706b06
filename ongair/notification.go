package ongair

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Notification is one webhook Ongair posts to a channel's API endpoint. It
// holds the fields of both Ongair documents: the first names customers by
// PhoneNumber and the receiving account by Account; the second by
// ExternalContactID and AccountType, with Name and ConversationID.
type Notification struct {
	Type string // notification_type: MessageReceived, ImageReceived, DeliveryReceipt …

	ID                 string // the message's id (DeliveryReceipt: the sent message's)
	Name               string
	Text               string
	ExternalContactID  string
	PhoneNumber        string
	ConversationID     string
	Status             string // TicketStatusUpdated: Open, Pending or Closed
	AccountType        string // WhatsApp, Telegram, WeChat …
	Account            string
	Image              string
	Caption            string
	GroupID            string
	Address            string
	Latitude           *float64
	Longitude          *float64
	ContactPhoneNumber string
}

// maxMemory bounds what a multipart body may hold in memory; the HTTP
// handler caps bodies at 1 MiB before they get here.
const maxMemory = 1 << 20

// ParseNotification reads a notification as Ongair posts it:
// application/x-www-form-urlencoded, or multipart/form-data or JSON. Field
// names are matched without regard to case (the first document writes "Id").
// It fails when the body cannot be read, a field has the wrong type, or
// notification_type is missing.
func ParseNotification(contentType string, body []byte) (*Notification, error) {
	mediaType, params, _ := mime.ParseMediaType(contentType)
	var fields map[string]string
	var err error
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		fields, err = jsonFields(body)
	case mediaType == "multipart/form-data":
		fields, err = multipartFields(body, params["boundary"])
	case mediaType == "" && len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '{':
		fields, err = jsonFields(body)
	default:
		fields, err = formFields(body)
	}
	if err != nil {
		return nil, err
	}
	return fromFields(fields)
}

func fromFields(f map[string]string) (*Notification, error) {
	n := &Notification{
		Type:               f["notification_type"],
		ID:                 f["id"],
		Name:               f["name"],
		Text:               f["text"],
		ExternalContactID:  f["external_contact_id"],
		PhoneNumber:        f["phone_number"],
		ConversationID:     f["conversation_id"],
		Status:             f["status"],
		AccountType:        f["account_type"],
		Account:            f["account"],
		Image:              f["image"],
		Caption:            f["caption"],
		GroupID:            f["group_id"],
		Address:            f["address"],
		ContactPhoneNumber: f["contact_phone_number"],
	}
	if n.Type == "" {
		return nil, errors.New("notification_type is missing")
	}
	var err error
	if n.Latitude, err = coordinate(f, "latitude", 90); err != nil {
		return nil, err
	}
	if n.Longitude, err = coordinate(f, "longitude", 180); err != nil {
		return nil, err
	}
	return n, nil
}

func coordinate(f map[string]string, name string, limit float64) (*float64, error) {
	s, ok := f[name]
	if !ok || s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.Abs(v) > limit {
		return nil, fmt.Errorf("%s %.40q is not a number from -%g to %g", name, s, limit, limit)
	}
	return &v, nil
}

// known are the fields a notification can have; others are ignored.
var known = map[string]bool{
	"notification_type": true, "id": true, "name": true, "text": true, "external_contact_id": true,
	"phone_number": true, "conversation_id": true, "status": true, "account_type": true, "account": true,
	"image": true, "caption": true, "group_id": true, "address": true, "latitude": true, "longitude": true,
	"contact_phone_number": true,
}

// set keeps the first value of a known field, trimmed and made valid UTF-8.
func set(fields map[string]string, key, value string) {
	key = strings.ToLower(strings.TrimSpace(key))
	if !known[key] {
		return
	}
	if _, ok := fields[key]; ok {
		return
	}
	value = strings.ToValidUTF8(value, "\uFFFD")
	if key != "text" && key != "caption" {
		value = strings.TrimSpace(value)
	}
	fields[key] = value
}

func formFields(body []byte) (map[string]string, error) {
	vals, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, errors.New("the body is not form-encoded")
	}
	return valueFields(vals), nil
}

func multipartFields(body []byte, boundary string) (map[string]string, error) {
	if boundary == "" {
		return nil, errors.New("the multipart body has no boundary")
	}
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(maxMemory)
	if err != nil {
		return nil, errors.New("the multipart body cannot be read")
	}
	defer form.RemoveAll()
	return valueFields(form.Value), nil
}

func valueFields(vals map[string][]string) map[string]string {
	fields := map[string]string{}
	for _, k := range byPreference(slices.Collect(maps.Keys(vals))) {
		if vs := vals[k]; len(vs) > 0 {
			set(fields, k, vs[0])
		}
	}
	return fields
}

// byPreference orders field names so that, of names that differ only in
// case, the lowercase one (Ongair's usual spelling) is read first.
func byPreference(keys []string) []string {
	slices.SortFunc(keys, func(a, b string) int {
		la, lb := a == strings.ToLower(a), b == strings.ToLower(b)
		switch {
		case la && !lb:
			return -1
		case lb && !la:
			return 1
		}
		return strings.Compare(a, b)
	})
	return keys
}

func jsonFields(body []byte) (map[string]string, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, errors.New("the body is not a JSON object")
	}
	if dec.More() {
		return nil, errors.New("the body has more than one JSON value")
	}
	fields := map[string]string{}
	for _, k := range byPreference(slices.Collect(maps.Keys(raw))) {
		if !known[strings.ToLower(strings.TrimSpace(k))] {
			continue
		}
		s, err := scalar(raw[k])
		if err != nil {
			return nil, fmt.Errorf("%.40s %v", k, err)
		}
		set(fields, k, s)
	}
	return fields, nil
}

// scalar is a JSON string, number or boolean as text; null is "".
func scalar(raw json.RawMessage) (string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", errors.New("is not valid JSON")
	}
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", errors.New("must be a string or a number")
}
