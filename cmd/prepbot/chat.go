package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/prepbot/prepbot/internal/config"
	"github.com/prepbot/prepbot/internal/prep"
)

// runChat runs the chat platforms configured.
func runChat(ctx context.Context, cfg config.Config, env IO, log *slog.Logger, store prep.Store, engine *prep.Engine) error {
	return errors.New("telegram mode is not wired yet")
}
