# Build StoreSight for Windows: the PyInstaller one-folder program and the NSIS installer.
#
#   powershell -ExecutionPolicy Bypass -File installer\windows\build-windows.ps1 [-Edition cpu|cuda]
#
# Needs Python 3.11 with StoreSight's dependencies (pip install -c constraints.txt -e .), plus
# pyinstaller and pywin32 (installed here if missing), and NSIS (makensis on PATH or in its default
# folder; `choco install nsis`). Outputs:
#   dist\<edition>\storesight\                     the program folder
#   dist\storesight-<version>-<edition>-setup.exe  the installer
# Run on Windows only (CI: .github/workflows/windows.yml). It has not been run on the machine this
# was written on (Linux, no Windows); installer\README.md says what was checked there.
param([ValidateSet("cpu", "cuda")][string]$Edition = "cpu")
$ErrorActionPreference = "Stop"
$Root = Resolve-Path "$PSScriptRoot\..\.."
Set-Location $Root
$Py = if ($env:PYTHON) { $env:PYTHON } else { "python" }

& $Py -c "import PyInstaller, win32serviceutil" 2>$null
if ($LASTEXITCODE -ne 0) { & $Py -m pip install -q -c constraints.txt pyinstaller pyinstaller-hooks-contrib pywin32 }
$Version = (& $Py -c "import app; print(app.__version__)").Trim()
$env:PYTHONPATH = "$Root"
$env:STORESIGHT_EDITION = $Edition
& $Py -m PyInstaller --noconfirm --log-level WARN --distpath "dist\$Edition" --workpath "build\pyinstaller-$Edition" installer\storesight.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }
Set-Content -Path "dist\$Edition\storesight\EDITION" -Value $Edition -NoNewline
Copy-Item LICENSE "dist\$Edition\storesight\LICENSE"

$MakeNsis = (Get-Command makensis -ErrorAction SilentlyContinue).Source
if (-not $MakeNsis) { $MakeNsis = "${env:ProgramFiles(x86)}\NSIS\makensis.exe" }
$Out = "dist\storesight-$Version-$Edition-setup.exe"
& $MakeNsis /V2 "/DVERSION=$Version" "/DPAYLOAD=$Root\dist\$Edition\storesight" "/DOUTFILE=$Root\$Out" installer\windows\storesight.nsi
if ($LASTEXITCODE -ne 0) { throw "makensis failed" }
Write-Host "[build] $Out ($([math]::Round((Get-Item $Out).Length / 1MB)) MB)"
