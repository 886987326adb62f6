// Package truststore puts a CA certificate into, and takes it out of, the
// places TLS clients look for trust anchors:
//
//   - the Linux system store (Debian/Ubuntu, Fedora/RHEL, openSUSE and Arch
//     layouts, detected from the files present under Options.Root), read by
//     OpenSSL, GnuTLS, Go, curl, Python and every other user of the system
//     bundle;
//   - NSS databases (Chromium's ~/.pki/nssdb, Firefox and Thunderbird
//     profiles, also their snap and flatpak homes), through NSS certutil;
//   - a Java keystore (the JDK's cacerts, or any keystore file), through
//     keytool;
//   - the macOS System keychain (security) and the Windows ROOT store
//     (certutil.exe). These code paths build on every OS; which one runs is
//     chosen by Options.GOOS, so their command lines are tested everywhere.
//
// The package never prints. Install, Uninstall and List look first (a
// read-only check of every store), then plan the Actions that would change it
// (files to write or remove, commands to run), then, unless Options.DryRun is
// set, carry them out and look again to confirm. The Report says per store
// what was there, what was done (or would be done) and what is there now, so
// running Install twice changes nothing the second time and says so.
//
// Everything wsskit adds is labelled from the CA itself, so it can be found
// and removed again: an NSS nickname and macOS label "NAME (3FA1B2C3)", a Java
// alias that is the same in lower case, and a system anchor file
// "wsskit-NAME-3fa1b2c3.crt", where NAME comes from the CA's subject and the
// eight hex digits are the start of its SHA-256 fingerprint. List without a
// CA finds these labels and checks that the digits match the certificate
// they name.
//
// Changing system-wide stores needs root (or Administrator). Actions carry
// NeedsRoot; when one is needed and the process lacks it, the store is
// reported with StatusNeedsRoot and a NeedsRootError listing exactly which
// paths and commands need it, and nothing is changed there.
package truststore
