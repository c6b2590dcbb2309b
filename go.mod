module github.com/prepbot/prepbot

go 1.26.0

require (
	github.com/go-telegram-bot-api/telegram-bot-api/v5 v5.5.1
	github.com/open-spaced-repetition/go-fsrs/v4 v4.0.0 // indirect
	github.com/robfig/cron/v3 v3.0.1 // indirect
	github.com/yuin/goldmark v1.7.13 // indirect
	go.etcd.io/bbolt v1.4.3
	golang.org/x/sys v0.29.0 // indirect
	golang.org/x/time v0.16.0
)
