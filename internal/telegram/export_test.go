package telegram

// SplitWithButtons lets the external tests fuzz the split of replies with
// buttons, which only the adapter's send path uses.
var SplitWithButtons = splitWithButtons
