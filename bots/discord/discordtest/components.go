package discordtest

import (
	"encoding/json"
	"net/http"
	"time"
)

// Component limits the fake enforces on message create and edit: at most
// 5 action rows (type 1) of at most 5 buttons (type 2); a button's
// custom_id is 1-100 characters and its label at most 80
// (https://discord.com/developers/docs/components/reference#action-row,
// https://discord.com/developers/docs/components/reference#button).
const (
	maxActionRows = 5
	maxRowButtons = 5
	maxCustomID   = 100
	maxLabel      = 80
)

// Component is a message component as sent: an action row (Type 1) with
// its Components, or a button (Type 2).
type Component struct {
	Type       int         `json:"type"`
	Style      int         `json:"style,omitempty"`
	Label      string      `json:"label,omitempty"`
	CustomID   string      `json:"custom_id,omitempty"`
	Disabled   bool        `json:"disabled,omitempty"`
	Components []Component `json:"components,omitempty"`
}

// Buttons returns the custom_ids of m's buttons, in order.
func (m Message) Buttons() []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type == 2 {
				out = append(out, c.CustomID)
			}
		}
	}
	return out
}

// checkComponents writes Discord's form error for components past the
// limits and returns false.
func checkComponents(w http.ResponseWriter, comps []Component) bool {
	if len(comps) > maxActionRows {
		writeFormError(w, "components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
		return false
	}
	for _, row := range comps {
		if row.Type != 1 || len(row.Components) == 0 || len(row.Components) > maxRowButtons {
			writeFormError(w, "components", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width")
			return false
		}
		for _, c := range row.Components {
			if c.Type != 2 || c.CustomID == "" || len([]rune(c.CustomID)) > maxCustomID || len([]rune(c.Label)) > maxLabel {
				writeFormError(w, "components", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
				return false
			}
		}
	}
	return true
}

// ClickButton dispatches the MESSAGE_COMPONENT interaction (type 3) of
// the member userID clicking the button customID of m, as
// INTERACTION_CREATE, and returns it (its Token finds the response).
// perms is the member's permission bit set in the channel (decimal).
func (s *Server) ClickButton(m Message, userID, perms, customID string) Interaction {
	data, _ := json.Marshal(map[string]any{"custom_id": customID, "component_type": 2})
	u := User{ID: userID, Username: "user" + userID}
	in := Interaction{Type: 3, Data: data, GuildID: m.GuildID, ChannelID: m.ChannelID,
		Member: &Member{User: &u, Roles: []string{}, JoinedAt: timestamp(time.Now()), Permissions: perms}, Message: &m}
	return s.Interact(in)
}
