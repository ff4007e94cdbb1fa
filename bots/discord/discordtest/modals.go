package discordtest

import (
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Modals: the MODAL interaction response (type 9) and the MODAL_SUBMIT
// interaction (type 5) of a user submitting it.

// checkModal checks a type 9 response's data as Discord does: custom_id
// of 1..100 characters, title of 1..45, 1..5 action rows, each holding one
// text input (type 4) with a custom_id of 1..100, a label of 1..45
// characters, style 1 (short) or 2 (paragraph), min_length 0..4000,
// max_length 1..4000 and a placeholder of at most 100
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-response-object-modal,
// https://discord.com/developers/docs/components/reference#text-input).
// It returns the refused field ("" when valid).
func checkModal(body []byte) string {
	var in struct {
		Data *struct {
			CustomID   string `json:"custom_id"`
			Title      string `json:"title"`
			Components []struct {
				Type       int `json:"type"`
				Components []struct {
					Type        int     `json:"type"`
					CustomID    string  `json:"custom_id"`
					Label       string  `json:"label"`
					Style       int     `json:"style"`
					MinLength   *int    `json:"min_length"`
					MaxLength   *int    `json:"max_length"`
					Placeholder *string `json:"placeholder"`
				} `json:"components"`
			} `json:"components"`
		} `json:"data"`
	}
	n := utf8.RuneCountInString
	if json.Unmarshal(body, &in) != nil || in.Data == nil {
		return "data"
	}
	d := in.Data
	switch {
	case d.CustomID == "" || n(d.CustomID) > 100:
		return "data.custom_id"
	case d.Title == "" || n(d.Title) > 45:
		return "data.title"
	case len(d.Components) == 0 || len(d.Components) > 5:
		return "data.components"
	}
	for _, row := range d.Components {
		if row.Type != 1 || len(row.Components) != 1 {
			return "data.components"
		}
		ti := row.Components[0]
		switch {
		case ti.Type != 4 || ti.CustomID == "" || n(ti.CustomID) > 100:
			return "data.components.0.components.0.custom_id"
		case ti.Label == "" || n(ti.Label) > 45:
			return "data.components.0.components.0.label"
		case ti.Style != 1 && ti.Style != 2:
			return "data.components.0.components.0.style"
		case ti.MinLength != nil && (*ti.MinLength < 0 || *ti.MinLength > 4000),
			ti.MaxLength != nil && (*ti.MaxLength < 1 || *ti.MaxLength > 4000):
			return "data.components.0.components.0.max_length"
		case ti.Placeholder != nil && n(*ti.Placeholder) > 100:
			return "data.components.0.components.0.placeholder"
		}
	}
	return ""
}

// Modal is the modal a type 9 response opened: its custom_id and the
// custom_ids of its text inputs.
type Modal struct {
	CustomID string
	Title    string
	Inputs   []TextInput
}

// TextInput is one text input of a modal.
type TextInput struct {
	CustomID, Label string
	MaxLength       int
}

// Modal returns the modal the bot answered the interaction with token
// (ok false when it answered otherwise).
func (r Response) Modal() (Modal, bool) {
	if r.Type != 9 {
		return Modal{}, false
	}
	var d struct {
		CustomID   string `json:"custom_id"`
		Title      string `json:"title"`
		Components []struct {
			Components []struct {
				CustomID  string `json:"custom_id"`
				Label     string `json:"label"`
				MaxLength int    `json:"max_length"`
			} `json:"components"`
		} `json:"components"`
	}
	if json.Unmarshal(r.Data, &d) != nil {
		return Modal{}, false
	}
	m := Modal{CustomID: d.CustomID, Title: d.Title}
	for _, row := range d.Components {
		for _, c := range row.Components {
			m.Inputs = append(m.Inputs, TextInput{CustomID: c.CustomID, Label: c.Label, MaxLength: c.MaxLength})
		}
	}
	return m, true
}

// SubmitModal dispatches the MODAL_SUBMIT interaction (type 5) of userID
// submitting m from the interaction from (its channel and guild) with
// values (text input custom_id -> text)
// (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-modal-submit-data-structure).
// Dispatch the returned interaction again to deliver it twice.
func (s *Server) SubmitModal(from Interaction, m Modal, userID string, values map[string]string) Interaction {
	var rows []any
	for _, ti := range m.Inputs {
		rows = append(rows, map[string]any{"type": 1, "components": []any{
			map[string]any{"type": 4, "custom_id": ti.CustomID, "value": values[ti.CustomID]}}})
	}
	data, _ := json.Marshal(map[string]any{"custom_id": m.CustomID, "components": rows})
	u := User{ID: userID, Username: "user" + userID}
	in := Interaction{Type: 5, Data: data, GuildID: from.GuildID, ChannelID: from.ChannelID,
		Member: &Member{User: &u, Roles: []string{}, JoinedAt: timestamp(time.Now()), Permissions: "0"}, Message: from.Message}
	return s.Interact(in)
}

// rawData is the data object of a callback body, as sent.
func rawData(body []byte) json.RawMessage {
	var in struct {
		Data json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(body, &in)
	return in.Data
}
