package fakeslack

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"
	"unicode/utf8"
)

// Modals: views.open with a trigger_id, and the view_submission payload of
// a user submitting one.

// triggerTTL is how long a trigger_id can open a modal: "pass a valid
// trigger_id within 3 seconds of receiving it"
// (https://docs.slack.dev/tools/bolt-python/concepts/opening-modals).
const triggerTTL = 3 * time.Second

// ModalView is a recorded views.open.
type ModalView struct {
	ID, TriggerID, CallbackID, PrivateMetadata string
	Blocks                                     []map[string]any
}

// OpenedViews returns the modals opened so far.
func (s *Server) OpenedViews() []ModalView {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.modals)
}

// textOK reports whether o is a plain_text object of 1..limit characters.
func textOK(o any, limit int) bool {
	m, _ := o.(map[string]any)
	t, _ := m["text"].(string)
	return m["type"] == "plain_text" && t != "" && utf8.RuneCountInString(t) <= limit
}

// viewsOpen checks the trigger and the modal as Slack does: a trigger_id
// it issued, at most triggerTTL old, exchanged once (invalid_trigger_id,
// expired_trigger_id, exchanged_trigger_id,
// https://docs.slack.dev/reference/methods/views.open); a modal view with
// a plain_text title, submit and close of at most 24 characters (submit
// required with an input block), callback_id at most 255,
// private_metadata at most 3,000 characters, at most 100 blocks
// (https://docs.slack.dev/reference/surfaces/views); input blocks with a
// label of at most 2,000 characters and a plain_text_input whose
// max_length is at most 3,000 and placeholder at most 150
// (https://docs.slack.dev/reference/block-kit/blocks/input-block,
// https://docs.slack.dev/reference/block-kit/block-elements/plain-text-input-element).
func (s *Server) viewsOpen(p url.Values) apiResult {
	trigger := p.Get("trigger_id")
	var view struct {
		Type            string           `json:"type"`
		Title           any              `json:"title"`
		Submit          any              `json:"submit"`
		Close           any              `json:"close"`
		CallbackID      string           `json:"callback_id"`
		PrivateMetadata string           `json:"private_metadata"`
		Blocks          []map[string]any `json:"blocks"`
	}
	if trigger == "" || json.Unmarshal([]byte(p.Get("view")), &view) != nil {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	issued, known := s.triggers[trigger]
	exchanged := s.exchanged[trigger]
	s.mu.Unlock()
	switch {
	case !known:
		return fail("invalid_trigger_id")
	case exchanged:
		return fail("exchanged_trigger_id")
	case s.opts.Now().Sub(issued) > triggerTTL:
		return fail("expired_trigger_id")
	}
	hasInput := false
	for _, b := range view.Blocks {
		if b["type"] != "input" {
			continue
		}
		hasInput = true
		el, _ := b["element"].(map[string]any)
		maxLen, _ := el["max_length"].(float64)
		id, _ := el["action_id"].(string)
		if !textOK(b["label"], 2000) || el["type"] != "plain_text_input" || id == "" || len(id) > 255 || maxLen > 3000 ||
			(el["placeholder"] != nil && !textOK(el["placeholder"], 150)) {
			return fail("invalid_arguments")
		}
	}
	if view.Type != "modal" || !textOK(view.Title, 24) || (view.Close != nil && !textOK(view.Close, 24)) ||
		(hasInput && !textOK(view.Submit, 24)) || len(view.CallbackID) > 255 ||
		utf8.RuneCountInString(view.PrivateMetadata) > 3000 || len(view.Blocks) == 0 || len(view.Blocks) > 100 {
		return fail("invalid_arguments")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanged[trigger] = true
	v := ModalView{ID: "V0MODAL" + trigger, TriggerID: trigger, CallbackID: view.CallbackID,
		PrivateMetadata: view.PrivateMetadata, Blocks: view.Blocks}
	s.modals = append(s.modals, v)
	return ok(map[string]any{"view": map[string]any{"id": v.ID, "type": "modal", "callback_id": v.CallbackID}})
}

// ViewSubmission returns the view_submission payload of userID submitting
// v with values (block_id -> action_id -> the text typed)
// (https://docs.slack.dev/reference/interaction-payloads/view-interactions-payload).
// Each call carries a new trigger_id, as Slack's submissions do; send the
// same payload twice to deliver one submission twice.
func (s *Server) ViewSubmission(v ModalView, userID string, values map[string]map[string]string) []byte {
	state := map[string]any{}
	for block, actions := range values {
		m := map[string]any{}
		for action, text := range actions {
			m[action] = map[string]any{"type": "plain_text_input", "value": text}
		}
		state[block] = m
	}
	b, _ := json.Marshal(map[string]any{
		"type": "view_submission", "token": "legacyVerificationToken", "api_app_id": "A0FAKE",
		"team":       map[string]any{"id": s.opts.TeamID, "domain": "fake"},
		"user":       map[string]any{"id": userID, "team_id": s.opts.TeamID},
		"trigger_id": s.NewTriggerID(),
		"view": map[string]any{"id": v.ID, "type": "modal", "callback_id": v.CallbackID, "team_id": s.opts.TeamID,
			"private_metadata": v.PrivateMetadata, "blocks": v.Blocks, "state": map[string]any{"values": state}},
	})
	return b
}
