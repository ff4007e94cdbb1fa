package main

import "testing"

// TestChannelAnswers: the calls of answers written in the channel go to
// their conversation: the first post by its reply to the mention, the
// rest by content; a text several replies hold, or a call to another
// channel, to none.
func TestChannelAnswers(t *testing.T) {
	convs := []*conversation{
		{platform: "discord", channel: "10", thread: "101", marker: "LT000000", reply: "LT000000 go the slice map of to in"},
		{platform: "discord", channel: "10", thread: "102", marker: "LT000001", reply: "LT000001 key type len use the slice"},
		{platform: "discord", channel: "20", thread: "201", marker: "LT000002", reply: "LT000002 loop and func"},
		{platform: "slack", channel: "C1", thread: "1.2", marker: "LT000003", reply: "LT000003 go"},
	}
	a := newChannelAnswers(convs)
	cases := []struct {
		channel, body string
		want          int
		ok            bool
	}{
		{"10", `{"content":"LT000000 go","message_reference":{"message_id":"101","channel_id":"10"}}`, 0, true},
		{"10", `{"content":"","message_reference":{"message_id":"102"}}`, 1, true},
		{"10", `{"content":"LT000001 key type"}`, 1, true},                           // an edit of the first part
		{"10", `{"content":"map of to in"}`, 0, true},                                // a later part
		{"10", `{"content":"len use"}`, 1, true},                                     // a later part of the other answer
		{"10", `{"content":"the slice"}`, 0, false},                                  // both replies hold it
		{"20", `{"content":"map of to in"}`, 0, false},                               // not an answer of that channel
		{"20", `{"content":"x","message_reference":{"message_id":"101"}}`, 0, false}, // the mention is in another channel
		{"10", `{"content":"   "}`, 0, false},
		{"10", `not json`, 0, false},
	}
	for _, c := range cases {
		got, ok := a.owner(c.channel, []byte(c.body))
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("owner(%s, %s) = %d, %v; want %d, %v", c.channel, c.body, got, ok, c.want, c.ok)
		}
	}
}
