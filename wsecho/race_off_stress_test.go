//go:build !race

package wsecho

// raceEnabled is true under -race, which makes every operation several
// times slower: the stress tests then do less.
const raceEnabled = false
