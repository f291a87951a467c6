# Shared by scripts/run, scripts/test and scripts/e2e (sourced, not run).
#
# A step's needs are checked by what it really uses — a command on PATH, or a C library that
# pkg-config (or its header) finds — never by a package name: on a machine whose Node.js comes
# from NodeSource (npm bundled), Debian's `npm` package is "not installed" yet npm works, and
# asking apt for it fails ("held broken packages"). What is missing is installed with apt where
# there is apt; elsewhere the script says what to install on that OS and stops.

say() { printf '\n==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else "$@"; fi; }

missing_pkgs=()   # Debian/Ubuntu packages that provide what is missing
missing_what=()   # what is missing, in words

# need_cmd COMMAND DEBIAN_PACKAGE WHAT
need_cmd() {
  have "$1" && return 0
  missing_pkgs+=("$2")
  missing_what+=("$1 ($3)")
}

# need_lib PKG_CONFIG_NAME DEBIAN_PACKAGE WHAT [HEADER]: a C library to build against.
need_lib() {
  if [ -n "${4:-}" ]; then
    [ -f "/usr/include/$4" ] || [ -f "/usr/local/include/$4" ] && return 0
  elif have pkg-config && pkg-config --exists "$1"; then
    return 0
  fi
  missing_pkgs+=("$2")
  missing_what+=("$1 ($3)")
}

# What to install by hand where there is no apt.
hint_for_os() {
  case "$(uname -s)" in
    Darwin)
      echo "On macOS: install the Xcode command line tools (xcode-select --install), Rust from" >&2
      echo "https://rustup.rs and Node.js 20+ (https://nodejs.org or 'brew install node')." >&2 ;;
    MINGW* | MSYS* | CYGWIN*)
      echo "On Windows: install Rust from https://rustup.rs (with the MSVC build tools), Node.js 20+" >&2
      echo "(https://nodejs.org or 'winget install OpenJS.NodeJS.LTS') and WebView2 (already on Windows 11)." >&2 ;;
    *)
      echo "Install them with your distribution's package manager (the Debian/Ubuntu names are" >&2
      echo "${missing_pkgs[*]}) and re-run." >&2 ;;
  esac
}

# Installs what need_cmd/need_lib found missing, or explains and exits.
install_missing() {
  [ ${#missing_pkgs[@]} -eq 0 ] && return 0
  if have apt-get; then
    local pkgs
    mapfile -t pkgs < <(printf '%s\n' "${missing_pkgs[@]}" | sort -u)
    say "Installing what is missing: ${missing_what[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${pkgs[@]}"
  else
    echo "Missing: ${missing_what[*]}." >&2
    hint_for_os
    exit 1
  fi
  missing_pkgs=()
  missing_what=()
}

# Node.js 20+ with npm, however it was installed.
need_node() {
  if ! have node; then
    if have apt-get; then
      need_cmd node nodejs "Node.js, builds the app's interface"
      need_cmd npm npm "Node's package manager"
      install_missing
    else
      echo "Node.js 20+ is needed to build the app's interface." >&2
      missing_pkgs=(nodejs npm)
      hint_for_os
      exit 1
    fi
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt 20 ]; then
    echo "Node.js $(node --version) is too old: the interface's build tools need Node.js 20 or newer." >&2
    echo "Install a current Node.js from https://nodejs.org (or NodeSource on Debian/Ubuntu) and re-run." >&2
    exit 1
  fi
  have npm && return 0
  # npm apart from node only where node is Debian's own package.
  local node_bin
  node_bin=$(readlink -f "$(command -v node)")
  if have apt-get && have dpkg && dpkg -S "$node_bin" 2>/dev/null | grep -q '^nodejs:' &&
    ! dpkg -s nodejs 2>/dev/null | grep -qi '^Version:.*nodesource'; then
    need_cmd npm npm "Node's package manager"
    install_missing
  else
    echo "npm is missing although Node.js is installed ($node_bin)." >&2
    echo "Reinstall Node.js from https://nodejs.org or NodeSource: both include npm." >&2
    exit 1
  fi
}

# What building the desktop app needs (Tauri 2: WebKitGTK on Linux).
need_desktop_build() {
  need_cmd cc build-essential "a C compiler for the crates that build C"
  need_cmd pkg-config pkg-config "finds the C libraries"
  if [ "$(uname -s)" = Linux ]; then
    install_missing  # pkg-config first: the library checks below use it
    need_lib webkit2gtk-4.1 libwebkit2gtk-4.1-dev "WebKitGTK, the app's web view"
    need_lib openssl libssl-dev "OpenSSL headers"
    need_lib ayatana-appindicator3-0.1 libayatana-appindicator3-dev "the tray icon"
    need_lib librsvg-2.0 librsvg2-dev "SVG icons"
    need_lib libxdo libxdo-dev "keyboard shortcuts" xdo.h
  fi
  install_missing
}

# A display for the app when there is none (CI, SSH): Xvfb, and a private D-Bus session.
need_headless_display() {
  need_cmd xvfb-run xvfb "a virtual display"
  need_cmd xauth xauth "X authority for xvfb-run"
  need_cmd dbus-run-session dbus "a private D-Bus session (tray, notifications)"
  install_missing
}
