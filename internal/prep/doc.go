// Package prep is prepbot's domain: the cards, checklists and exercises a
// person studies, their users and reviews, and the conversation engine that
// turns an incoming Event into Reply values.
//
// The package imports no adapter: no bbolt, no Telegram, no Slack, no cron.
// Adapters (internal/telegram, internal/terminal, ...) translate their
// platform's messages into Events and render Replies natively; the store
// (internal/boltstore) implements the Store interface declared here.
package prep
