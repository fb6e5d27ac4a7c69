; StoreSight for Windows: the NSIS installer around the PyInstaller one-folder build.
;
;   makensis /DVERSION=0.1.0 /DPAYLOAD=dist\cpu\storesight /DOUTFILE=dist\storesight-0.1.0-setup.exe installer\windows\storesight.nsi
;
; Installs to "Program Files\StoreSight" (all users), Start-menu entries (the window, "StoreSight
; doctor", the data folder, uninstall), optionally a desktop shortcut and the "StoreSight" Windows
; service that runs `storesight serve` at boot (its data in %ProgramData%\StoreSight, which then is
; also the window's data folder for every user: STORESIGHT_DATA_DIR is set machine-wide).
;
; Uninstalling keeps every data folder (site.yaml, database, photos, backups) unless "Also delete
; StoreSight's data" is ticked; a reinstall finds them as they were.
;
; Silent installs for many workstations:  storesight-setup.exe /S [/SERVICE] [/DESKTOP] [/D=C:\StoreSight]
; Silent uninstall (keeps data):          "C:\Program Files\StoreSight\uninstall.exe" /S
; ... and delete the data too:            "C:\Program Files\StoreSight\uninstall.exe" /S /DELETEDATA

; A 64-bit installer for the 64-bit program where this NSIS has the amd64 stubs (Debian's does:
; tests/installer/test_wine_install.py runs it under 64-bit Wine); the official Windows NSIS ships
; only x86 stubs: then a 32-bit installer, which .onInit/SetRegView 64/$PROGRAMFILES64 make install
; to the same places.
!if /FileExists "${NSISDIR}\Stubs\lzma_solid-amd64-unicode"
  Target amd64-unicode
!else
  Unicode true
!endif
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef PAYLOAD
  !error "define PAYLOAD: the PyInstaller folder (dist\cpu\storesight) to install"
!endif
!ifndef OUTFILE
  !define OUTFILE "storesight-${VERSION}-setup.exe"
!endif
!define APP "StoreSight"
!define SERVICE "StoreSight"
!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\StoreSight"
!define ENV_KEY "SYSTEM\CurrentControlSet\Control\Session Manager\Environment"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "x64.nsh"

Name "${APP} ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APP}"
InstallDirRegKey HKLM "${UNINST_KEY}" "InstallLocation"
RequestExecutionLevel admin
BrandingText "${APP} ${VERSION}"
!define MUI_ICON "${__FILEDIR__}\storesight.ico"
!define MUI_UNICON "${__FILEDIR__}\storesight.ico"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\storesight-gui.exe"
!define MUI_FINISHPAGE_RUN_TEXT "Start ${APP} (the first-run wizard sets up the store)"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_LICENSE "${__FILEDIR__}\..\..\LICENSE"
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_COMPONENTS
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION}.0"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APP}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APP} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "AGPL-3.0"


Section "!${APP} (program, built-in models, demo video)" SecMain
  SectionIn RO
  ; an upgrade: stop the service so its files can be replaced (the database migrates at its next
  ; start, after a backup); the old program folder is replaced as a whole
  nsExec::Exec '"$INSTDIR\storesight-service.exe" stop'
  RMDir /r "$INSTDIR\_internal"
  SetOutPath "$INSTDIR"
  File /r "${PAYLOAD}\*.*"
  File "${__FILEDIR__}\storesight.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayName" "${APP}"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINST_KEY}" "Publisher" "StoreSight team"
  WriteRegStr HKLM "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\storesight.ico"
  WriteRegStr HKLM "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${UNINST_KEY}" "EstimatedSize" $0
  ; the Start menu (all users)
  SetShellVarContext all
  CreateDirectory "$SMPROGRAMS\${APP}"
  CreateShortcut "$SMPROGRAMS\${APP}\${APP}.lnk" "$INSTDIR\storesight-gui.exe" "" "$INSTDIR\storesight.ico"
  CreateShortcut "$SMPROGRAMS\${APP}\${APP} doctor (support check).lnk" "$SYSDIR\cmd.exe" \
    '/k "$INSTDIR\storesight.exe" doctor' "$INSTDIR\storesight.ico"
  CreateShortcut "$SMPROGRAMS\${APP}\Uninstall ${APP}.lnk" "$INSTDIR\uninstall.exe"
SectionEnd

Section /o "Desktop shortcut" SecDesktop
  SetShellVarContext all
  CreateShortcut "$DESKTOP\${APP}.lnk" "$INSTDIR\storesight-gui.exe" "" "$INSTDIR\storesight.ico"
SectionEnd

Section /o "Record in the background: the ${APP} Windows service (storesight serve)" SecService
  SetShellVarContext all
  ; one data folder for the service and every user's window
  ReadRegStr $0 HKLM "${ENV_KEY}" "STORESIGHT_DATA_DIR"
  ${If} $0 == ""
    StrCpy $0 "$APPDATA\${APP}"  ; all users: %ProgramData%\StoreSight
    WriteRegExpandStr HKLM "${ENV_KEY}" "STORESIGHT_DATA_DIR" "$0"
    SendMessage ${HWND_BROADCAST} ${WM_SETTINGCHANGE} 0 "STR:Environment" /TIMEOUT=5000
  ${EndIf}
  CreateDirectory "$0"
  ; the users who open the window write the same site.yaml and database as the service
  nsExec::ExecToLog 'icacls "$0" /grant *S-1-5-32-545:(OI)(CI)M /T /Q'
  nsExec::ExecToLog '"$INSTDIR\storesight-service.exe" --startup auto install'
  Pop $1
  ${If} $1 != 0
    DetailPrint "could not register the service (exit $1): see the Windows event log"
  ${EndIf}
  ; restart after a crash: after 10 s, 60 s, then every 5 min
  nsExec::ExecToLog 'sc.exe failure ${SERVICE} reset= 86400 actions= restart/10000/restart/60000/restart/300000'
  nsExec::ExecToLog '"$INSTDIR\storesight-service.exe" start'
  CreateShortcut "$SMPROGRAMS\${APP}\${APP} data folder.lnk" "$0"
SectionEnd

; after the sections: it selects them by index
Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "${APP} needs 64-bit Windows." /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  ; command-line choices for silent installs: /SERVICE, /DESKTOP
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/SERVICE" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecService} ${SF_SELECTED}
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/DESKTOP" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${SecDesktop} ${SF_SELECTED}
  ${EndIf}
FunctionEnd

LangString DESC_Main ${LANG_ENGLISH} "The window, the storesight command, the built-in CPU models and the demo video."
LangString DESC_Desktop ${LANG_ENGLISH} "A shortcut to the window on every user's desktop."
LangString DESC_Service ${LANG_ENGLISH} "Analyse the cameras at boot, without anyone logged in. Data goes to %ProgramData%\StoreSight, shared with the window."
!insertmacro MUI_FUNCTION_DESCRIPTION_BEGIN
  !insertmacro MUI_DESCRIPTION_TEXT ${SecMain} $(DESC_Main)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecDesktop} $(DESC_Desktop)
  !insertmacro MUI_DESCRIPTION_TEXT ${SecService} $(DESC_Service)
!insertmacro MUI_FUNCTION_DESCRIPTION_END

; --- uninstall ---------------------------------------------------------------------------------


Section "un.${APP} (program files, shortcuts, service)" UnSecMain
  SectionIn RO
  nsExec::ExecToLog '"$INSTDIR\storesight-service.exe" stop'
  nsExec::ExecToLog '"$INSTDIR\storesight-service.exe" remove'
  SetShellVarContext all
  Delete "$DESKTOP\${APP}.lnk"
  RMDir /r "$SMPROGRAMS\${APP}"
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\storesight.exe"
  Delete "$INSTDIR\storesight-gui.exe"
  Delete "$INSTDIR\storesight-service.exe"
  Delete "$INSTDIR\storesight.ico"
  Delete "$INSTDIR\EDITION"
  Delete "$INSTDIR\LICENSE"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"  ; only if empty: files someone put there stay
  DeleteRegKey HKLM "${UNINST_KEY}"
SectionEnd

; Not selected unless ticked (or /DELETEDATA): the data survive an uninstall and a reinstall.
Section /o "un.Also delete ${APP}'s data (site, database, photos, backups)" UnSecData
  ReadRegStr $0 HKLM "${ENV_KEY}" "STORESIGHT_DATA_DIR"
  ${If} $0 != ""
    RMDir /r "$0"
    DeleteRegValue HKLM "${ENV_KEY}" "STORESIGHT_DATA_DIR"
  ${EndIf}
  SetShellVarContext all
  RMDir /r "$APPDATA\${APP}"
  SetShellVarContext current
  RMDir /r "$LOCALAPPDATA\${APP}"
SectionEnd

Function un.onInit
  SetRegView 64
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/DELETEDATA" $R1
  ${IfNot} ${Errors}
    SectionSetFlags ${UnSecData} ${SF_SELECTED}
  ${EndIf}
FunctionEnd
